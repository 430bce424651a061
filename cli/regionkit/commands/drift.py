"""`regionkit drift`: cloud (read-only preview --refresh), config (check mode --diff) and health
(verify's cheap levels) in one command, one exit code, and reports for CI."""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import jinja2
import typer
from rich.markup import escape
from rich.table import Table

from regionkit import __version__
from regionkit.catalog.load import Catalog
from regionkit.commands._region import hosts_and_pools, mirror_credentials
from regionkit.commands._shared import console, err_console, state, user_errors
from regionkit.errors import BadInputError, RegionkitError
from regionkit.planning import drift as d

_SECRET_ENV = re.compile(r"SECRET|TOKEN|PASSWORD|PASSPHRASE|PRIVATE", re.I)


class DriftFormat(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    sarif = "sarif"


def _secrets(root: Path) -> list[str]:
    """Values that must never reach a report: secret-named environment variables and the lab
    mirror's credentials."""
    values = [v for k, v in os.environ.items() if _SECRET_ENV.search(k) and v]
    lab = root / ".regionkit" / "lab" / "state.json"
    if lab.exists():
        values += [str(v) for k, v in json.loads(lab.read_text()).get("s3", {}).items() if "secret" in k]
    return values


def _cloud(catalog: Catalog, region: str, backend: str | None) -> d.LayerRun:
    from regionkit.adapters.pulumi import engine

    run = d.LayerRun("cloud", region)
    spec = catalog.region(region)
    if spec.cloud.backend == "none":
        run.status, run.error = "skipped", ""
        run.not_verified.append(f"(stack): {region} has no cloud stack (cloud.backend: none)")
        return run
    started = time.monotonic()
    settings = engine.EngineSettings(root=catalog.root, backend=backend, pulumi_root=os.environ.get("REGIONKIT_PULUMI_ROOT"))
    try:
        preview = engine.drift_preview(settings, region)
    except RegionkitError as exc:
        run.error = str(exc)
        return run.settle()
    run.seconds = time.monotonic() - started
    if preview.errors:
        run.error = f"pulumi preview --refresh {region} failed: " + " | ".join(preview.errors)[:2000]
        return run.settle()
    return d.cloud_findings(region, preview.steps, catalog.policy.drift.ignore, run)


def _config(catalog: Catalog, region: str, inventory: Path, hosts: list[str], limit: str | None) -> d.LayerRun:
    from regionkit.adapters.ansible.runner import run_playbook

    run = d.LayerRun("config", region)
    started = time.monotonic()
    try:
        env = mirror_credentials(catalog, region)  # the roles presign mirror URLs even in check mode
    except BadInputError as exc:
        run.error = str(exc)
        return run.settle()
    playbook = catalog.root / "playbooks" / "site.yml"
    result = run_playbook(catalog.root, region, playbook, inventory, limit=limit, check=True, diff=True, env=env)
    run.seconds = time.monotonic() - started
    if not result.hosts:
        run.error = f"check mode reached no host: {result.output_tail or result.status}"
        return run.settle()
    if not result.finished:  # hosts it never reached would read as clean
        run.error = f"the check-mode run stopped before the end of the play ({result.status}): {result.output_tail[-500:]}"
        return run.settle()
    changes = [
        d.TaskChange(host, t["role"], t["task"], t["action"],
                     "(diff withheld: the task is no_log)" if t["censored"] else d.render_diff(t["diff"]),
                     failed=t["outcome"] == "failed", message=t["message"], items=tuple(t["items"]))
        for host, r in sorted(result.hosts.items()) for t in r.tasks
    ]  # fmt: skip
    unreachable = {h: "; ".join(r.messages)[:300] or "unreachable" for h, r in result.hosts.items() if r.unreachable}
    changes = [c for c in changes if c.host not in unreachable]
    return d.config_findings(region, changes, unreachable, sorted(result.hosts), run)


def _health(catalog: Catalog, region: str, inventory: Path, hosts: list[str], level: int, limit: str | None) -> d.LayerRun:
    from regionkit.adapters.testinfra.suites import run_suites

    run = d.LayerRun("health", region)
    started = time.monotonic()
    out = catalog.root / ".regionkit" / "drift" / "health" / f"{region}-{time.strftime('%Y%m%dT%H%M%S')}"
    suite = run_suites(catalog.root, inventory, hosts, level, out, limit)
    run.seconds = time.monotonic() - started
    if not suite.checks:
        run.error = f"the health checks did not run; see {catalog.rel(out / 'pytest.log')}"
        return run.settle()
    return d.health_findings(region, [(c.host, c.level, c.name, c.outcome, c.detail) for c in suite.checks], run)


def _regions(catalog: Catalog, regions: list[str], all_: bool) -> list[str]:
    if all_ and regions:
        raise BadInputError("give REGION... or --all, not both")
    if all_:
        # Cloud regions that are not planned, and any region whose hosts are inventoried (the lab, when up).
        return sorted(
            k
            for k, r in catalog.regions.items()
            if r.status != "planned" and (r.cloud.backend != "none" or (catalog.inventories / k / "hosts.yml").exists())
        )
    if not regions:
        raise BadInputError("name at least one REGION, or --all (every region that is not planned)")
    for key in regions:
        catalog.region(key)
    return regions


def _layers(text: str) -> list[str]:
    layers = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in layers if x not in d.LAYERS]
    if bad or not layers:
        known = ",".join(d.LAYERS)
        raise BadInputError(f"--layers {text}: unknown layer(s) {', '.join(bad) or '(none)'}; use a comma list of {known}")
    return layers


def run_drift(
    catalog: Catalog, regions: list[str], layers: list[str], level: int, limit: str | None, backend: str | None
) -> d.DriftReport:

    started, t0 = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic()
    runs: list[d.LayerRun] = []
    for region in regions:
        jobs = {}
        with ThreadPoolExecutor(max_workers=3) as pool:
            if "cloud" in layers:
                jobs["cloud"] = pool.submit(_cloud, catalog, region, backend)
            if {"config", "health"} & set(layers):
                try:
                    inventory, pools = hosts_and_pools(catalog, region)
                except BadInputError as exc:
                    for layer in ("config", "health"):
                        if layer in layers:
                            runs.append(d.LayerRun(layer, region, error=str(exc)).settle())
                else:
                    if "config" in layers:
                        jobs["config"] = pool.submit(_config, catalog, region, inventory, sorted(pools), limit)
                    if "health" in layers:
                        jobs["health"] = pool.submit(_health, catalog, region, inventory, sorted(pools), level, limit)
            with console.status(f"drift {region}: {', '.join(jobs)}"):
                runs += [jobs[k].result() for k in d.LAYERS if k in jobs]
    order = {layer: i for i, layer in enumerate(d.LAYERS)}
    runs.sort(key=lambda r: (r.region, order[r.layer]))
    return d.DriftReport(runs, started, time.monotonic() - t0)


def _markdown(catalog: Catalog, doc: dict[str, Any]) -> str:
    loader = jinja2.FileSystemLoader(catalog.root / "templates" / "reports")
    env = jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("drift.md.j2").render(doc=doc, version=__version__)


def render(catalog: Catalog, doc: dict[str, Any], fmt: DriftFormat) -> str:
    if fmt == DriftFormat.json:
        return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"
    if fmt == DriftFormat.junit:
        return d.to_junit(doc)
    if fmt == DriftFormat.sarif:
        return json.dumps(d.to_sarif(doc, __version__), indent=2, default=str) + "\n"
    return _markdown(catalog, doc)


def _print_text(doc: dict[str, Any]) -> None:
    table = Table(title=f"drift: {doc['verdict']}", title_justify="left")
    for col in ("region", "layer", "status", "checked", "findings", "not verified", "ignored", "s"):
        table.add_column(col, justify="right" if col in ("checked", "findings", "not verified", "ignored", "s") else "left")
    colour = {"clean": "green", "drift": "yellow", "unreachable": "red", "error": "red", "skipped": "dim"}
    for r in doc["runs"]:
        table.add_row(
            r["region"], r["layer"], f"[{colour[r['status']]}]{r['status']}[/]", str(len(r["checked"])), str(len(r["findings"])),
            str(len(r["not_verified"])), str(len(r["ignored"])), f"{r['seconds']:.1f}",
        )  # fmt: skip
    console.print(table)
    for r in doc["runs"]:
        if r["error"]:
            err_console.print(f"[red]error[/] {r['region']} {r['layer']}: {escape(r['error'])}")
        for f in r["findings"]:
            console.print(f"[yellow]{f['kind']}[/] {r['region']} {r['layer']}: {escape(f['message'])}")
            if f["diff"]:
                console.print(escape(f["diff"]), markup=True, style="dim")
            console.print(f"  reconcile: [bold]{escape(f['reconcile'])}[/]")


def drift(
    ctx: typer.Context,
    regions: Annotated[list[str] | None, typer.Argument(help="Region keys; or --all.", show_default=False)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every cloud region not planned, and the lab when it is up.")] = False,
    layers: Annotated[str, typer.Option("--layers", help="Comma list of cloud,config,health.")] = "cloud,config,health",
    fmt: Annotated[DriftFormat, typer.Option("--format", help="What to print (and write with --output).")] = DriftFormat.text,
    output: Annotated[Path | None, typer.Option("--output", help="Write the report in --format here (text: Markdown).")] = None,
    level: Annotated[int, typer.Option("--level", min=0, max=3, help="Highest verify level for the health layer.")] = 2,
    limit: Annotated[str | None, typer.Option("--limit", help="Hosts or groups (config and health layers).")] = None,
    backend: Annotated[str | None, typer.Option("--backend", help="State backend URL for the cloud layer.")] = None,
) -> None:
    """Find drift in the cloud, node configuration and health; never changes anything.

    Exit 0 no drift, 2 drift found, 3 hosts unreachable, 1 a layer could not run, 4 bad input.
    Each finding says how to reconcile it (`regionkit up` or `regionkit bootstrap --limit --tags`).
    """
    with user_errors():
        catalog = state(ctx).catalog()
        keys = _regions(catalog, regions or [], all_)
        chosen = _layers(layers)
        report = run_drift(catalog, keys, chosen, level, limit, backend)
        doc = report.to_dict(_secrets(catalog.root))
        folder = catalog.root / ".regionkit" / "drift" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        for name, kind in (("drift.json", DriftFormat.json), ("drift.md", DriftFormat.markdown),
                           ("drift.junit.xml", DriftFormat.junit), ("drift.sarif", DriftFormat.sarif)):  # fmt: skip
            (folder / name).write_text(render(catalog, doc, kind), encoding="utf-8")
        if output:
            output.parent.mkdir(parents=True, exist_ok=True)
            chosen_fmt = DriftFormat.markdown if fmt == DriftFormat.text else fmt
            output.write_text(render(catalog, doc, chosen_fmt), encoding="utf-8")
    if fmt == DriftFormat.text:
        _print_text(doc)
        console.print(f"reports: {catalog.rel(folder)}/ (json, md, junit, sarif)")
    else:
        console.file.write(render(catalog, doc, fmt))
    raise typer.Exit(report.exit_code)
