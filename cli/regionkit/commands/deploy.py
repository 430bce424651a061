"""`regionkit deploy`: the whole chain for one region (services/deploy.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import console, print_error, say, work
from regionkit.commands.verify import print_verify
from regionkit.services.deploy import deploy as run_deploy


def deploy(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    backend: Annotated[str | None, typer.Option("--backend", help="State backend URL for the stack's `up`.")] = None,
) -> None:
    """The whole chain: validate, the region's hosts (`up` for a stack; the lab's own, or lab stand-ins
    for the region), inventory, mirror sync, bootstrap, verify. Stops at the first failed stage and
    prints the command that resumes from there."""
    with work(ctx) as s:
        result = run_deploy(s, region_key, backend)
    for note in result.notes:
        say(note)
    if result.report is not None:
        print_verify(result.report)
    if result.failed is not None:
        if result.error:
            print_error(result.error)
        say(
            f"deploy {region_key}: stage '{result.failed.name}' failed (exit {result.exit_code}); resume with: {result.failed.resume}",
            "red",
            err=True,
        )
        raise typer.Exit(result.exit_code)
    console.print(
        Text.assemble(
            (f"deploy {region_key}", "bold"),
            f" finished in {result.seconds:.1f} s; report {result.report.report if result.report else '-'}",
        )
    )
