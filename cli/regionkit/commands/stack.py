"""`regionkit preview|up|refresh|destroy|inventory`: one Pulumi stack per region, through the engine."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from regionkit.commands._shared import OutputFormat, console, err_console, print_json, say, work
from regionkit.errors import EXIT_FAILED, BadInputError

if TYPE_CHECKING:
    from regionkit.adapters.pulumi.engine import EngineResult
from regionkit.services.inventory import region_hosts
from regionkit.services.stack import apply, check_stack_region, fetch_outputs, kept_on_destroy, operate

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


def up(
    ctx: typer.Context,
    region_key: RegionArg,
    backend: BackendOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the previewed changes without asking.")] = False,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Validate, preview with the policy pack, ask, then create or update the region's stack (like `pulumi up`)."""

    def confirm(preview: EngineResult) -> bool:
        changes = ", ".join(f"{op} {n}" for op, n in sorted(preview.changes.items()) if op != "same")
        if yes:
            return True
        if not sys.stdin.isatty():
            raise BadInputError(f"up {region_key}: the preview changes {changes}; pass --yes to apply when not at a terminal")
        return typer.confirm(f"Apply these changes to {region_key} ({changes})?", default=False, err=True)

    with work(ctx, fmt is OutputFormat.json) as s:
        result = apply(s, region_key, backend, confirm)
    applied = result.up.changes if result.up else {}
    if fmt is OutputFormat.json:
        print_json(
            {
                "operation": "up",
                "region": region_key,
                "preview": result.preview.changes,
                "applied": result.up is not None,
                "changes": applied,
            }
        )
    elif result.up is None:
        say(f"up {region_key}: " + ("no changes" if result.preview.changed == 0 else "not confirmed; nothing was changed"))
    else:
        console.print(Text.assemble((f"up {region_key}:", "bold"), " " + ", ".join(f"{op} {n}" for op, n in sorted(applied.items()))))
    if result.up is None and result.preview.changed:
        raise typer.Exit(EXIT_FAILED)


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
    """Destroy the region's stack, but for what is protected (keys, buckets, circuits). Asks first unless --yes."""
    with work(ctx) as s:
        for kept in kept_on_destroy(s, region_key):
            say(f"keeps {kept.kind} {kept.name}: {kept.why}", err=True)
    if not yes and not typer.confirm(f"Destroy every other cloud resource of {region_key}?", default=False):
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
