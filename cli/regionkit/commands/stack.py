"""`regionkit plan|preview|up|destroy|refresh|inventory`: one Pulumi stack per region."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from regionkit.catalog.load import Catalog
from regionkit.catalog.validate import allowed_cloud_regions, validate
from regionkit.commands._shared import OutputFormat, console, err_console, state, user_errors
from regionkit.errors import EXIT_FAILED, BadInputError, RegionkitError
from regionkit.planning.inventory import render_inventory

if TYPE_CHECKING:
    from regionkit.adapters.pulumi import engine
    from regionkit.adapters.pulumi.mock_engine import Synthesis
    from regionkit.adapters.pulumi.policy_runner import Violation

# The Pulumi SDK takes ~0.2 s to import; only the commands that use it import it (in the function).

RegionArg = Annotated[str, typer.Argument(metavar="REGION", help="Region key, e.g. nl-ams-1.")]
BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="State backend URL (s3://bucket?endpoint=...); default: file backend in .regionkit/state."),
]


def _stack_region(catalog: Catalog, key: str, purpose: str) -> None:
    """Refuse regions that have no stack, or that validation says cannot be applied."""
    region = catalog.region(key)
    if region.cloud.backend == "none":
        raise BadInputError(f"{key} has no cloud stack (cloud.backend: none); its hosts come from `regionkit lab up`")
    report = validate(catalog, [key])
    blocking = list(report.errors)
    if purpose == "applied":
        blocking += [f for f in report.warnings if f.validator.startswith("readiness.")]
    if region.status == "planned":
        lacks = "; ".join(f.message for f in report.findings if f.validator == "readiness.planned") or "see validate"
        raise RegionkitError(f"{key} is planned; it cannot be {purpose} until it is ready: {lacks}")
    if blocking:
        for f in blocking:
            err_console.print(f"[red]{f.severity}:[/] {f.validator} {escape(f.one_line())}")
        raise RegionkitError(f"{key}: {len(blocking)} validation finding(s) stop it being {purpose}; fix them first")


def plan_json(synthesis: Synthesis, violations: list[Violation]) -> dict[str, Any]:
    resources = sorted(synthesis.resources, key=lambda r: (r.type, r.name))
    return {
        "region": synthesis.region,
        "summary": {
            "resources": len(resources),
            "by_type": dict(sorted(Counter(r.type for r in resources).items())),
            "by_zone": dict(sorted(Counter(r.zone for r in resources).items())),
        },
        "resources": [{"type": r.type, "name": r.name, "parent": r.parent, "zone": r.zone, "inputs": r.inputs} for r in resources],
        "outputs": synthesis.outputs,
        "policy_violations": [v.__dict__ for v in violations],
    }


def _short(inputs: dict[str, Any]) -> str:
    parts = []
    for k, v in sorted(inputs.items()):
        if k == "tags" or isinstance(v, dict | list) or v is None:
            continue
        text = str(v)
        parts.append(f"{k}={text if len(text) <= 32 else text[:29] + '...'}")
    return " ".join(parts[:4])


def print_plan(doc: dict[str, Any]) -> None:
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for r in doc["resources"]:
        by_parent.setdefault(r["parent"], []).append(r)
    tree = Tree(f"[bold]{doc['region']}[/] ({doc['summary']['resources']} resources)")

    def add(node: Tree, parent: str, seen: set[str]) -> None:
        for r in by_parent.get(parent, []):
            if r["name"] in seen and r["type"].startswith("regionkit:"):
                continue
            label = f"[cyan]{r['type']}[/] {escape(r['name'])} [dim]{escape(_short(r['inputs']))}[/]"
            child = node.add(label)
            if r["type"].startswith("regionkit:"):
                add(child, r["name"], seen | {r["name"]})

    add(tree, "", set())
    console.print(tree)
    table = Table("type", "count", title="per type", title_justify="left")
    for t, n in doc["summary"]["by_type"].items():
        table.add_row(t, str(n))
    console.print(table)
    zones = Table("zone", "count", title="per zone", title_justify="left")
    for z, n in doc["summary"]["by_zone"].items():
        zones.add_row(z, str(n))
    console.print(zones)
    for v in doc["policy_violations"]:
        console.print(f"[red]policy {v['policy']}:[/] {escape(v['resource'])}: {escape(v['message'])}")


def plan(
    ctx: typer.Context,
    region_key: Annotated[str | None, typer.Argument(metavar="[REGION]", help="Region key.")] = None,
    all_regions: Annotated[bool, typer.Option("--all", help="Every region that is not planned.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Show what a region's stack will create, offline: the real program under Pulumi's mock runtime.

    No credentials, no engine, no network. JSON output is sorted and stable, for diffs in review.
    The policy pack runs over the result; a violation exits 1.
    """
    with user_errors():
        catalog = state(ctx).catalog()
        if all_regions == (region_key is not None):
            raise BadInputError("plan: give one REGION or --all")
        keys = (
            [k for k, r in sorted(catalog.regions.items()) if r.status != "planned" and r.cloud.backend != "none"]
            if all_regions
            else [str(region_key)]
        )
        from regionkit.adapters.pulumi.mock_engine import synthesize
        from regionkit.adapters.pulumi.policy_runner import run_policies

        docs = []
        for key in keys:
            _stack_region(catalog, key, "planned")
            synthesis = synthesize(catalog.root / "stacks", key)
            allowed = allowed_cloud_regions(catalog, catalog.region(key))
            violations = run_policies(catalog.root / "stacks", synthesis, allowed)
            docs.append(plan_json(synthesis, violations))
    if fmt is OutputFormat.json:
        body = docs[0] if not all_regions else {"regions": docs}
        typer.echo(json.dumps(body, indent=2, sort_keys=True))
    else:
        for doc in docs:
            print_plan(doc)
    if any(d["policy_violations"] for d in docs):
        raise typer.Exit(EXIT_FAILED)


def _settings(ctx: typer.Context, backend: str | None) -> engine.EngineSettings:
    from regionkit.adapters.pulumi import engine

    return engine.EngineSettings(root=state(ctx).root, backend=backend, pulumi_root=os.environ.get("REGIONKIT_PULUMI_ROOT"))


def _operate(ctx: typer.Context, key: str, operation: str, backend: str | None, refresh: bool = False) -> None:
    from regionkit.adapters.pulumi import engine

    with user_errors():
        catalog = state(ctx).catalog()
        settings = _settings(ctx, backend)
        engine.require_cli(settings)  # first: without the engine nothing else matters
        _stack_region(catalog, key, "applied" if operation == "up" else "previewed")
        config = run_policies_config(catalog, key)
        result = engine.run_operation(
            settings,
            key,
            operation,
            config,
            on_output=lambda line: console.print(line, end="", markup=False),
            refresh=refresh,
        )
    summary = ", ".join(f"{op} {n}" for op, n in sorted(result.changes.items())) or "no changes"
    console.print(f"[bold]{operation} {key}:[/] {summary}")


def run_policies_config(catalog: Catalog, key: str) -> dict[str, Any]:
    from regionkit.adapters.pulumi.policy_runner import load_policies

    policies = load_policies(catalog.root / "stacks")
    config: dict[str, Any] = policies.policy_config(key, allowed_cloud_regions(catalog, catalog.region(key)))
    return config


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
    """Render inventories/REGION/hosts.yml and group_vars per pool from the stack outputs."""
    with user_errors():
        catalog = state(ctx).catalog()
        from regionkit.adapters.pulumi import engine
        from regionkit.adapters.pulumi.mock_engine import synthesize

        if source not in ("plan", "stack"):
            raise BadInputError(f"--from {source}: use plan or stack")
        _stack_region(catalog, region_key, "planned")
        if source == "plan":
            outputs = synthesize(catalog.root / "stacks", region_key).outputs
        else:
            outputs = engine.stack_outputs(_settings(ctx, backend), region_key)
        files = render_inventory(catalog.root / "templates", outputs, f"the {source} of stack {region_key}")
        folder = catalog.inventories / region_key
        for rel, text in files.items():
            yaml.safe_load(text)  # never write an inventory Ansible cannot read
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    hosts = sum(len(p["hosts"]) for p in outputs["pools"])
    console.print(f"wrote {catalog.rel(folder / 'hosts.yml')}: {hosts} hosts in {len(outputs['pools'])} pools")
