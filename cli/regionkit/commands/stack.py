"""`regionkit preview|up|refresh|destroy|inventory`: one Pulumi stack per region, through the engine."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import OutputFormat, console, err_console, print_json, work
from regionkit.errors import EXIT_FAILED, BadInputError
from regionkit.services.inventory import region_hosts
from regionkit.services.stack import check_stack_region, fetch_outputs, operate

RegionArg = Annotated[str, typer.Argument(metavar="REGION", help="Region key, e.g. nl-ams-1.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]
BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="State backend URL (s3://bucket?endpoint=...); default: file backend in .regionkit/state."),
]


def _operate(ctx: typer.Context, key: str, operation: str, backend: str | None, fmt: OutputFormat, refresh: bool = False) -> None:
    with work(ctx, fmt is OutputFormat.json) as s:
        result = operate(s, key, operation, backend, refresh)
    if fmt is OutputFormat.json:  # changes only: outputs may hold secrets (activation codes)
        print_json({"operation": operation, "region": key, "changes": result.changes, "changed": result.changed})
        return
    summary = ", ".join(f"{op} {n}" for op, n in sorted(result.changes.items())) or "no changes"
    console.print(Text.assemble((f"{operation} {key}:", "bold"), f" {summary}"))


def preview(
    ctx: typer.Context,
    region_key: RegionArg,
    backend: BackendOpt = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Refresh state from the cloud first (read-only).")] = False,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Preview the region's stack with the real engine and the policy pack."""
    _operate(ctx, region_key, "preview", backend, fmt, refresh)


def up(ctx: typer.Context, region_key: RegionArg, backend: BackendOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
    """Validate, then create or update the region's stack (policy pack enforced)."""
    _operate(ctx, region_key, "up", backend, fmt)


def refresh(ctx: typer.Context, region_key: RegionArg, backend: BackendOpt = None, fmt: FormatOpt = OutputFormat.text) -> None:
    """Refresh the stack's state from the cloud (writes state; drift uses preview --refresh instead)."""
    _operate(ctx, region_key, "refresh", backend, fmt)


def destroy(
    ctx: typer.Context,
    region_key: RegionArg,
    backend: BackendOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Destroy every resource of the region's stack. Asks first unless --yes."""
    if not yes and not typer.confirm(f"Destroy every cloud resource of {region_key}?", default=False):
        err_console.print("destroy: not confirmed; nothing was changed")
        raise typer.Exit(EXIT_FAILED)
    _operate(ctx, region_key, "destroy", backend, fmt)


def inventory(
    ctx: typer.Context,
    region_key: RegionArg,
    source: Annotated[str, typer.Option("--from", help="plan (offline, mock engine) or stack (deployed outputs).")] = "plan",
    backend: BackendOpt = None,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Render inventories/REGION/hosts.yml from the stack outputs (the plan's, or the deployed stack's)."""
    with work(ctx, fmt is OutputFormat.json) as s:
        if source not in ("plan", "stack"):
            raise BadInputError(f"--from {source}: use plan or stack")
        check_stack_region(s, region_key, "planned")
        if source == "stack":
            fetch_outputs(s, region_key, backend)
        hosts = region_hosts(s, region_key, "plan" if source == "plan" else "stack")
    if fmt is OutputFormat.json:
        print_json({"region": region_key, "inventory": str(hosts.path), "from": hosts.source.describe(), "hosts": hosts.plan.pool_of})
        return
    console.print(f"wrote {s.catalog.rel(hosts.path)}: {len(hosts.hosts)} hosts in {len(hosts.outputs.pools)} pools")
