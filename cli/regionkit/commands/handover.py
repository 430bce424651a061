"""`regionkit handover`: accept what the partner racked, through the servers' BMCs (services/handover.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from regionkit.catalog import files
from regionkit.commands._shared import console, print_document, print_json, say, work
from regionkit.errors import BadInputError
from regionkit.planning.handover import HandoverReport
from regionkit.services.handover import handover as run_handover

_STYLE = {"accepted": "green", "rejected": "red", "unlisted": "red"}


def print_handover(report: HandoverReport) -> None:
    """One table per rack, then every reason with its fix, the unlisted BMCs, and the verdict."""
    for zone, rack, servers in report.racks():
        site = report.site_of.get(zone, "")
        columns = ("U", "server", "serial", "BMC", "verdict", "read at (UTC)")
        table = Table(*columns, title=f"rack {rack} · {zone} · {site}", title_justify="left")
        for r in servers:
            verdict = r.verdict + (" (rotated)" if r.server in report.rotated else "")
            table.add_row(str(r.u), r.server, r.serial, r.address, Text(verdict, _STYLE[r.verdict]), r.read_at.strftime("%H:%M:%S"))
        console.print(table)
    for r in [*report.results, *report.unlisted]:
        for reason in r.reasons:
            say(f"{r.verdict} {r.server} {reason.kind}: {reason.message}", "red", err=True)
            say(f"  fix: {reason.fix}", err=True)
    doc = report.to_dict()
    t = doc["totals"]
    swept = f", {report.swept} BMC-range addresses swept" if report.swept else ""
    counts = f"{t['accepted']} accepted, {t['rejected']} rejected, {t['unlisted']} unlisted{swept}"
    console.print(Text.assemble((f"handover {report.region}: {doc['verdict']}", "bold"), f": {counts}; report {report.report}"))
    if report.rejected:
        say(f"held back (bootstrap and verify leave them out): {', '.join(report.rejected)}", "red", err=True)


def handover(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    zone: Annotated[str | None, typer.Option("--zone", help="Only the servers of this zone (and its BMC range).")] = None,
    limit: Annotated[str | None, typer.Option("--limit", help="Only these servers (names or globs, a,b); no sweep.")] = None,
    rotate: Annotated[bool, typer.Option("--rotate", help="Set accepted servers' BMC password to the site's (rotate_to).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text, json or markdown.")] = "text",
) -> None:
    """Read every listed server's BMC over Redfish and accept or reject it against the partner's
    manifest and its server model; report BMCs on the BMC range that the manifest does not list.

    Exit 0 all accepted, 1 any rejected (or an unlisted BMC), 3 a BMC unreachable, 4 bad input.
    Writes a report per rack to sign (Markdown, HTML) under .regionkit/handover/.
    """
    with work(ctx, fmt != "text") as s:
        if fmt not in ("text", "json", "markdown"):
            raise BadInputError(f"--format {fmt}: use text, json or markdown")
        run = run_handover(s, region_key, zone, limit, rotate)
    if fmt == "json":
        print_json(run.report.to_dict())
    elif fmt == "markdown":
        print_document(files.read_text(run.folder / "report.md", follow=False, limit=64 * files.MAX_BYTES))
    else:
        print_handover(run.report)
    raise typer.Exit(run.exit_code)
