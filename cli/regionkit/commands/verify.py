"""`regionkit verify`: the testinfra acceptance ladder on a region's hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from regionkit.commands._shared import console, print_document, print_json, say, work
from regionkit.errors import BadInputError
from regionkit.planning.acceptance import VerifyReport
from regionkit.reports.markdown import verify_markdown
from regionkit.services.verify import verify as run_verify
from regionkit.workspace import check_output


def print_verify(report: VerifyReport) -> None:
    doc = report.to_dict()
    columns = ("pool", "hosts", "passed", "failed", "not verified", "devices")
    table = Table(*columns, title=f"verify {doc['region']}", title_justify="left")
    for p in doc["pools"]:
        failed: Any = Text(str(p["failed"]), "red") if p["failed"] else "0"
        table.add_row(p["name"], ", ".join(p["hosts"]), str(p["passed"]), failed, str(p["not_verified"]), p["devices"] or "-")
    console.print(table)
    for host in doc["hosts"]:
        for c in host["checks"]:
            todo = f" -> {', '.join(c['actions'])}" if c["actions"] else ""
            if c["outcome"] in ("failed", "unreachable"):
                verdict = f" ({c['verdict']})" if c["verdict"] == "unknown" else ""
                say(f"{c['outcome']}{verdict} {host['name']} L{c['level']} {c['name']}: {c['detail']}{todo}", "red", err=True)
            elif c["verdict"] == "warn":
                say(f"warn {host['name']} L{c['level']} {c['name']}: {c['detail']}{todo}", "yellow", err=True)
    if c := doc["collective"]:
        say(
            f"L3 all-reduce over {c['world']} hosts: peak busbw {c['peak']:.3f} GB/s = {c['ratio']:.0%} of the "
            f"{c['link_gbps']:.3f} GB/s link; floor {c['floor_gbps']:.3f} GB/s ({c['floor_source']}): "
            f"{'met' if c['passed'] else 'NOT met'}"
        )
    for host, why in doc["held_back"].items():
        say(f"held back at handover, not verified: {host}: {why}", "yellow", err=True)
    t = doc["totals"]
    counts = f"{t['passed']} passed, {t['failed']} failed, {t['not_verified']} not verified"
    console.print(Text.assemble((doc["verdict"], "bold"), f": {counts} in {doc['wall_s']} s; report {doc['report']}"))


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
    with work(ctx, fmt != "text") as s:
        if fmt not in ("text", "json", "markdown"):
            raise BadInputError(f"--format {fmt}: use text, json or markdown")
        if junit:
            check_output(junit)  # before the work: a link or a read-only file is refused now
        report = run_verify(s, region_key, level, limit, junit)
    if fmt == "json":
        print_json(report.to_dict())
    elif fmt == "markdown":
        print_document(verify_markdown(report) + "\n")
    else:
        print_verify(report)
    raise typer.Exit(report.exit_code)
