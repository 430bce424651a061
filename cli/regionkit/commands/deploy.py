"""`regionkit deploy`: the whole chain for one region (services/deploy.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import OutputFormat, console, error_line, print_error, print_json, say, work
from regionkit.commands.verify import print_verify
from regionkit.errors import CatalogError
from regionkit.services.catalog import InvalidRegion
from regionkit.services.deploy import deploy as run_deploy


def deploy(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    backend: Annotated[
        str | None, typer.Option("--backend", help="The stack's state backend URL (`up`; bootstrap's AWS activations).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the stack's previewed changes without asking (`up`).")] = False,
    artifacts: Annotated[
        Path | None, typer.Option("--artifacts", help="Folder with the vendor files for mirror sync (a stack's hosts need it).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """The whole chain: validate, the region's hosts (`up` for a stack; the lab's own, or lab stand-ins
    for the region), handover (where the pools list servers), inventory, mirror sync, bootstrap,
    verify. Stops at the first failed stage and prints the command that resumes from there; servers
    handover rejected are held back and the exit code says so."""
    with work(ctx, fmt is OutputFormat.json) as s:
        result = run_deploy(s, region_key, backend, yes, artifacts)
    if fmt is OutputFormat.json:
        print_json(
            {
                "region": region_key,
                "exit_code": result.exit_code,
                "stages": [{"name": n, "seconds": round(sec, 1)} for n, sec in result.stages],
                "failed": {"stage": result.failed.name, "resume": result.failed.resume} if result.failed else None,
                "error": str(result.error) if result.error else None,
                "notes": result.notes,
                "verify": result.report.to_dict() if result.report else None,
                "handover": result.handover.to_dict() if result.handover else None,
            }
        )
        raise typer.Exit(result.exit_code)
    for note in result.notes:
        say(note)
    if result.report is not None:
        print_verify(result.report)
    if result.failed is not None:
        stage, located = result.failed, isinstance(result.error, CatalogError | InvalidRegion)
        why = f": {result.error}" if result.error and not located else ""
        if located:  # the located problems first, one line each
            print_error(result.error)  # type: ignore[arg-type]
        # one line: the stage, why it failed, the command that resumes
        error_line(f"deploy {region_key}: stage '{stage.name}' failed (exit {result.exit_code}){why}; resume with: {stage.resume}")
        raise typer.Exit(result.exit_code)
    console.print(
        Text.assemble(
            (f"deploy {region_key}", "bold"),
            f" finished in {result.seconds:.1f} s; report {result.report.report if result.report else '-'}",
        )
    )
    if result.exit_code:  # every stage ran, but handover held servers back (or found unlisted BMCs)
        say(f"deploy {region_key}: not every server went on (exit {result.exit_code}); see the notes above", "red", err=True)
        raise typer.Exit(result.exit_code)
