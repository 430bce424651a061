"""`regionkit mirror sync`: the region's artifact mirror (S3-compatible)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import OutputFormat, console, print_json, say, work
from regionkit.services.mirror import mirror_sync

app = typer.Typer(help="The region's artifact mirror (S3-compatible).", no_args_is_help=True)


@app.command("sync")
def sync(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    source: Annotated[Path | None, typer.Option("--from", help="Folder with the vendor artifacts (any depth).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Upload the artifacts the region's pools need, with a sha256 manifest; pin the sums in its inventory."""
    with work(ctx, fmt is OutputFormat.json) as s:
        result = mirror_sync(s, region_key, source)
    if fmt is OutputFormat.json:
        print_json({"region": region_key, "pins": str(result.pins), "artifacts": [a.__dict__ for a in result.synced]})
        return
    for a in result.synced:
        say(f"  {a.key}  sha256 {a.sha256[:16]}…  {a.size} bytes")
    console.print(
        Text.assemble(
            (f"mirror sync {region_key}", "green"),
            f": {len(result.synced)} artifacts + manifest; pins in {s.catalog.rel(result.pins)}",
        )
    )
