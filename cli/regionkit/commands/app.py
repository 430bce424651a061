"""The `regionkit` command line: one typer app, one module per noun."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from regionkit import __version__
from regionkit.commands import catalog as catalog_cmds
from regionkit.commands import drift as drift_cmds
from regionkit.commands import health as health_cmds
from regionkit.commands import lab as lab_cmds
from regionkit.commands import nodes as node_cmds
from regionkit.commands import stack as stack_cmds
from regionkit.commands import verify as verify_cmds
from regionkit.commands._shared import State
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
    add_completion=False,
    pretty_exceptions_enable=False,
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
) -> None:
    ctx.obj = State(root)


app.command("regions")(catalog_cmds.regions)
app.command("validate")(catalog_cmds.validate_cmd)
app.command("validators")(catalog_cmds.validators_cmd)
app.command("schema")(catalog_cmds.schema)
app.command("plan")(stack_cmds.plan)
app.command("preview")(stack_cmds.preview)
app.command("up")(stack_cmds.up)
app.command("refresh")(stack_cmds.refresh)
app.command("destroy")(stack_cmds.destroy)
app.command("inventory")(stack_cmds.inventory)
app.add_typer(lab_cmds.app, name="lab")
app.add_typer(node_cmds.mirror_app, name="mirror")
app.command("bootstrap")(node_cmds.bootstrap)
app.command("verify")(verify_cmds.verify)
app.command("deploy")(verify_cmds.deploy)
app.command("drift")(drift_cmds.drift)
app.add_typer(health_cmds.app, name="health")


def main() -> None:
    app()
