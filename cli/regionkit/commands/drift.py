"""`regionkit drift`: cloud, node configuration and health drift, one exit code, reports for CI."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from regionkit.commands._shared import console, print_document, say, work
from regionkit.services.drift import choose_regions, parse_layers, render
from regionkit.services.drift import drift as run_drift
from regionkit.workspace import check_output, write_output


class DriftFormat(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    sarif = "sarif"


_COLOUR = {"clean": "green", "drift": "yellow", "unreachable": "red", "error": "red", "skipped": "dim", "not deployed": "dim"}


def _print_text(doc: dict[str, Any]) -> None:
    table = Table(title=f"drift: {doc['verdict']}", title_justify="left")
    for col in ("region", "layer", "status", "checked", "findings", "not verified", "ignored", "s"):
        table.add_column(col, justify="left" if col in ("region", "layer", "status") else "right")
    for r in doc["runs"]:
        counts = [str(len(r[k])) for k in ("checked", "findings", "not_verified", "ignored")]
        table.add_row(r["region"], r["layer"], Text(r["status"], _COLOUR[r["status"]]), *counts, f"{r['seconds']:.1f}")
    console.print(table)
    for r in doc["runs"]:
        if r["error"]:
            say(f"error {r['region']} {r['layer']}: {r['error']}", "red", err=True)
        for f in r["findings"]:
            console.print(Text.assemble((f["kind"], "yellow"), f" {r['region']} {r['layer']}: {f['message']}"))
            if f["diff"]:
                say(f["diff"], "dim")
            console.print(Text.assemble("  reconcile: ", (f["reconcile"], "bold")))


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
    with work(ctx, fmt != DriftFormat.text) as s:
        if output:
            check_output(output)  # before the work: a link or a read-only file is refused now, not after
        keys = choose_regions(s, regions or [], all_)
        result = run_drift(s, keys, parse_layers(layers), level, limit, backend)
        if output:
            write_output(output, result.render("markdown" if fmt == DriftFormat.text else fmt.value))
    if fmt == DriftFormat.text:
        _print_text(result.doc)
        say(f"reports: {s.catalog.rel(result.folder)}/ (json, md, junit, sarif)")
    else:
        print_document(render(result.doc, fmt.value))
    raise typer.Exit(result.report.exit_code)
