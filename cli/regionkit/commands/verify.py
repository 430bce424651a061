"""`regionkit verify` (the testinfra acceptance ladder) and `regionkit deploy` (the whole chain)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import jinja2
import typer
from rich.markup import escape
from rich.table import Table

from regionkit import __version__
from regionkit.catalog.load import Catalog
from regionkit.commands._region import hosts_and_pools
from regionkit.commands._shared import console, err_console, state, user_errors
from regionkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, BadInputError
from regionkit.planning.acceptance import CollectiveAcceptance, svg_curve


def run_verify(catalog: Catalog, region: str, level: int, limit: str | None, junit: Path | None) -> dict[str, Any]:
    from regionkit.adapters.testinfra.suites import run_suites

    inventory, pools = hosts_and_pools(catalog, region)
    out = catalog.root / ".regionkit" / "verify" / f"{region}-{time.strftime('%Y%m%dT%H%M%S')}"
    started = time.monotonic()
    with console.status(f"verify {region}: levels 0-{level} on {len(pools)} hosts"):
        run = run_suites(catalog.root, inventory, sorted(pools), level, out, limit)
    if not run.checks:
        raise BadInputError(f"verify ran no check; see {catalog.rel(out / 'pytest.log')}")
    if junit:
        junit.write_bytes(run.junit.read_bytes())
    hosts: dict[str, list[dict[str, Any]]] = {}
    for c in run.checks:
        hosts.setdefault(c.host or "(all hosts)", []).append(c.__dict__)
    by_pool: dict[str, Counter[str]] = {}
    for c in run.checks:
        by_pool.setdefault(pools.get(c.host, "(all hosts)"), Counter())[c.outcome] += 1
    totals = Counter(c.outcome for c in run.checks)
    collective = None
    if run.figures:
        f = run.figures
        acc = CollectiveAcceptance(f["sizes"], f["busbw_gbps"], f["link_gbps"], f["floor_gbps"], f["floor_source"])
        collective = {
            **f,
            "rows": [(_size(s), b) for s, b in zip(acc.sizes, acc.busbw_gbps, strict=True)],
            "peak": acc.peak_gbps,
            "ratio": acc.link_ratio or 0.0,
            "passed": acc.passed,
            "svg": svg_curve(acc),
        }
    verdict = "UNREACHABLE HOSTS" if totals["unreachable"] else ("FAILED" if totals["failed"] else "PASSED")
    doc: dict[str, Any] = {
        "region": region,
        "level": level,
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "host_count": len(pools),
        "verdict": verdict,
        "wall_s": round(time.monotonic() - started, 1),
        "totals": {"passed": totals["passed"], "failed": totals["failed"] + totals["unreachable"],
                   "not_verified": totals["not verified"], "unreachable": totals["unreachable"]},
        "pools": [
            {"name": p, "hosts": sorted(h for h, g in pools.items() if g == p), "passed": c["passed"],
             "failed": c["failed"] + c["unreachable"], "not_verified": c["not verified"]}
            for p, c in sorted(by_pool.items())
        ],
        "hosts": [{"name": h, "pool": pools.get(h, "-"), "checks": cs} for h, cs in sorted(hosts.items())],
        "collective": collective,
    }  # fmt: skip
    loader = jinja2.FileSystemLoader(catalog.root / "templates" / "reports")
    env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True, lstrip_blocks=True)
    (out / "report.md").write_text(env.get_template("verify.md.j2").render(doc))
    html = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    (out / "report.html").write_text(html.get_template("verify.html.j2").render({**doc, "collective": _safe_svg(collective)}))
    doc["report"] = str(out / "report.md")
    doc["exit_code"] = EXIT_UNREACHABLE if totals["unreachable"] else (EXIT_FAILED if totals["failed"] else EXIT_OK)
    return doc


def _safe_svg(collective: dict[str, Any] | None) -> dict[str, Any] | None:
    if collective is None:
        return None
    return {**collective, "svg": jinja2.utils.markupsafe.Markup(collective["svg"])}  # our own SVG, not input


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def print_verify(doc: dict[str, Any]) -> None:
    table = Table("pool", "hosts", "passed", "failed", "not verified", title=f"verify {doc['region']}", title_justify="left")
    for p in doc["pools"]:
        table.add_row(p["name"], ", ".join(p["hosts"]), str(p["passed"]), f"[red]{p['failed']}[/]" if p["failed"] else "0",
                      str(p["not_verified"]))  # fmt: skip
    console.print(table)
    for host in doc["hosts"]:
        for c in host["checks"]:
            if c["outcome"] in ("failed", "unreachable"):
                err_console.print(f"[red]{c['outcome']}[/] {host['name']} L{c['level']} {c['name']}: {escape(c['detail'])}")
    if doc["collective"]:
        c = doc["collective"]
        console.print(
            f"L3 all-reduce over {c['world']} hosts: peak busbw {c['peak']:.3f} GB/s = {c['ratio']:.0%} of the "
            f"{c['link_gbps']:.3f} GB/s link; floor {c['floor_gbps']:.3f} GB/s ({c['floor_source']}): "
            f"{'met' if c['passed'] else '[red]NOT met[/]'}"
        )
    t = doc["totals"]
    console.print(
        f"[bold]{doc['verdict']}[/]: {t['passed']} passed, {t['failed']} failed, {t['not_verified']} not verified "
        f"in {doc['wall_s']} s; report {doc['report']}"
    )


def verify(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    level: Annotated[int, typer.Option("--level", min=0, max=3, help="Highest level: 0 baseline .. 3 collectives.")] = 3,
    limit: Annotated[str | None, typer.Option("--limit", help="Hosts or groups (Ansible pattern).")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write the JUnit XML here too.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or markdown.")] = "text",
) -> None:
    """Prove the region's hosts healthy with testinfra: L0 baseline, L1 software, L2 devices, L3 collectives.

    Exit 0 all pass, 1 any failure, 3 unreachable. Writes a Markdown and HTML report.
    """
    with user_errors():
        if fmt not in ("text", "json", "markdown"):
            raise BadInputError(f"--format {fmt}: use text, json or markdown")
        catalog = state(ctx).catalog()
        catalog.region(region_key)
        doc = run_verify(catalog, region_key, level, limit, junit)
    if fmt == "json":
        typer.echo(
            json.dumps(
                {k: v for k, v in doc.items() if k != "collective"} | {"collective": _plain(doc["collective"])},
                indent=2,
            )
        )
    elif fmt == "markdown":
        typer.echo(Path(doc["report"]).read_text())
    else:
        print_verify(doc)
    raise typer.Exit(doc["exit_code"])


def _plain(collective: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if collective is None else {k: v for k, v in collective.items() if k != "svg"}


def deploy(ctx: typer.Context, region_key: Annotated[str, typer.Argument(metavar="REGION")]) -> None:
    """The whole chain. lab: lab up, mirror sync, bootstrap, verify. Stops at the first failed stage
    and prints the command that resumes from there."""
    import subprocess
    import sys

    with user_errors():
        catalog = state(ctx).catalog()
        region = catalog.region(region_key)
        root = ["--root", str(catalog.root)]
        if region.cloud.backend == "none":
            lab_state = catalog.root / ".regionkit" / "lab" / "state.json"
            stages = [] if lab_state.exists() else [("lab up", ["lab", "up"])]
        else:
            stages = [("validate", ["validate", region_key]), ("up", ["up", region_key]),
                      ("inventory", ["inventory", region_key, "--from", "stack"])]  # fmt: skip
        stages += [
            ("mirror sync", ["mirror", "sync", region_key]),
            ("bootstrap", ["bootstrap", region_key]),
        ]
    started = time.monotonic()
    for i, (name, args) in enumerate(stages, 1):
        console.rule(f"[bold]{i}/{len(stages) + 1} {name}")
        t = time.monotonic()
        code = subprocess.run([sys.executable, "-m", "regionkit", *root, *args]).returncode
        if code != 0:
            err_console.print(
                f"[red]deploy {region_key}: stage '{name}' failed (exit {code})[/]; resume with: regionkit {' '.join(args)}"
            )
            raise typer.Exit(code)
        console.print(f"{name}: done in {time.monotonic() - t:.1f} s")
    console.rule(f"[bold]{len(stages) + 1}/{len(stages) + 1} verify")
    with user_errors():
        doc = run_verify(catalog, region_key, 3, None, None)
    print_verify(doc)
    console.print(f"[bold]deploy {region_key}[/] finished in {time.monotonic() - started:.1f} s; report {doc['report']}")
    if doc["exit_code"]:
        err_console.print(f"resume with: regionkit verify {region_key}")
    raise typer.Exit(doc["exit_code"])
