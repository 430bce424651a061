"""`regionkit preview|up|refresh|destroy|inventory`: one Pulumi stack per region, through the engine."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import console, err_console, work
from regionkit.errors import EXIT_FAILED, BadInputError
from regionkit.services.inventory import region_hosts
from regionkit.services.stack import check_stack_region, fetch_outputs, operate

RegionArg = Annotated[str, typer.Argument(metavar="REGION", help="Region key, e.g. nl-ams-1.")]
BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="State backend URL (s3://bucket?endpoint=...); default: file backend in .regionkit/state."),
]


def _operate(ctx: typer.Context, key: str, operation: str, backend: str | None, refresh: bool = False) -> None:
    with work(ctx) as s:
        result = operate(s, key, operation, backend, refresh)
    summary = ", ".join(f"{op} {n}" for op, n in sorted(result.changes.items())) or "no changes"
    console.print(Text.assemble((f"{operation} {key}:", "bold"), f" {summary}"))


def preview(
    ctx: typer.Context,
    region_key: RegionArg,
    backend: BackendOpt = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Refresh state from the cloud first (read-only).")] = False,
) -> None:
    """Preview the region's stack with the real engine and the policy pack."""
    _operate(ctx, region_key, "preview", backend, refresh)


def up(ctx: typer.Context, region_key: RegionArg, backend: BackendOpt = None) -> None:
    """Validate, then create or update the region's stack (policy pack enforced)."""
    _operate(ctx, region_key, "up", backend)


def refresh(ctx: typer.Context, region_key: RegionArg, backend: BackendOpt = None) -> None:
    """Refresh the stack's state from the cloud (writes state; drift uses preview --refresh instead)."""
    _operate(ctx, region_key, "refresh", backend)


def destroy(
    ctx: typer.Context,
    region_key: RegionArg,
    backend: BackendOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Destroy every resource of the region's stack. Asks first unless --yes."""
    if not yes and not typer.confirm(f"Destroy every cloud resource of {region_key}?", default=False):
        err_console.print("destroy: not confirmed; nothing was changed")
        raise typer.Exit(EXIT_FAILED)
    _operate(ctx, region_key, "destroy", backend)


def inventory(
    ctx: typer.Context,
    region_key: RegionArg,
    source: Annotated[str, typer.Option("--from", help="plan (offline, mock engine) or stack (deployed outputs).")] = "plan",
    backend: BackendOpt = None,
) -> None:
    """Render inventories/REGION/hosts.yml from the stack outputs (the plan's, or the deployed stack's)."""
    with work(ctx) as s:
        if source not in ("plan", "stack"):
            raise BadInputError(f"--from {source}: use plan or stack")
        check_stack_region(s, region_key, "planned")
        if source == "stack":
            fetch_outputs(s, region_key, backend)
        hosts = region_hosts(s, region_key, "plan" if source == "plan" else "stack")
    console.print(f"wrote {s.catalog.rel(hosts.path)}: {len(hosts.hosts)} hosts in {len(hosts.outputs.pools)} pools")
