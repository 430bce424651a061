"""The `regionkit` command line: one typer app, one module per noun."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from regionkit import __version__
from regionkit.commands import bootstrap, catalog, deploy, drift, handover, health, lab, mirror, plan, site, stack, verify
from regionkit.commands._shared import begin, debugging, error_line
from regionkit.errors import EXIT_BAD_INPUT

# Bad arguments are bad input (exit 4, DESIGN.md), not click's default 2, which means drift.
# Recent typer vendors its own click; reach its UsageError through the public BadParameter.
for _cls in (*typer.BadParameter.__mro__, click.exceptions.UsageError):
    if _cls.__name__ == "UsageError":
        _cls.exit_code = EXIT_BAD_INPUT  # type: ignore[attr-defined]

app = typer.Typer(
    name="regionkit",
    help="Stand up accelerator regions in colocation partners' datacenters, one region at a time.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"regionkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option("--root", envvar="REGIONKIT_ROOT", help="Folder that holds inventories/ (default: cwd upward)."),
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Results and errors only: no progress, no notes.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also say where things are read from and written to.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback behind an error (otherwise hidden).")] = False,
) -> None:
    ctx.obj = begin(root, quiet, verbose, debug)


app.command("init")(site.init)
app.command("regions")(catalog.regions)
app.command("validate")(catalog.validate_cmd)
app.command("validators")(catalog.validators_cmd)
app.command("schema")(catalog.schema)
app.command("plan")(plan.plan)
app.command("preview")(stack.preview)
app.command("up")(stack.up)
app.command("refresh")(stack.refresh)
app.command("destroy")(stack.destroy)
app.command("inventory")(stack.inventory)
app.add_typer(lab.app, name="lab")
app.command("handover")(handover.handover)
app.add_typer(mirror.app, name="mirror")
app.command("bootstrap")(bootstrap.bootstrap)
app.command("verify")(verify.verify)
app.command("deploy")(deploy.deploy)
app.command("drift")(drift.drift)
app.add_typer(health.app, name="health")


def main() -> None:
    """The console script: errors regionkit did not foresee are one line too, unless --debug."""
    try:
        app()
    except Exception as exc:  # a bug, not bad input: say so in one line, keep the traceback for --debug
        if debugging():
            raise
        error_line(f"internal error: {type(exc).__name__}: {exc}; re-run with --debug for the traceback, and report it")
        sys.exit(1)
