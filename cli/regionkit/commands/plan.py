"""`regionkit plan`: what a region's stack will create, offline (the real program under Pulumi's
mock runtime), with the policy pack's verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from regionkit.commands._shared import OutputFormat, console, print_json, print_overrides, say, work
from regionkit.errors import EXIT_FAILED, BadInputError
from regionkit.services.stack import plan as plan_stacks
from regionkit.services.stack import policy_config, stack_regions


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
    tree = Tree(Text.assemble((doc["region"], "bold"), f" ({doc['summary']['resources']} resources)"))

    def add(node: Tree, parent: str, seen: set[str]) -> None:
        for r in by_parent.get(parent, []):
            if r["name"] in seen and r["type"].startswith("regionkit:"):
                continue
            child = node.add(Text.assemble((r["type"], "cyan"), f" {r['name']} ", (_short(r["inputs"]), "dim")))
            if r["type"].startswith("regionkit:"):
                add(child, r["name"], seen | {r["name"]})

    add(tree, "", set())
    console.print(tree)
    for title, key in (("per type", "by_type"), ("per zone", "by_zone")):
        table = Table(title.split()[1], "count", title=title, title_justify="left")
        for name, n in doc["summary"][key].items():
            table.add_row(name, str(n))
        console.print(table)
    for v in doc["policy_violations"]:
        say(f"policy {v['policy']}: {v['resource']}: {v['message']}", "red")


def plan(
    ctx: typer.Context,
    region_key: Annotated[str | None, typer.Argument(metavar="[REGION]", help="Region key.")] = None,
    all_regions: Annotated[bool, typer.Option("--all", help="Every region that is not planned.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    policy_config_to: Annotated[
        Path | None,
        typer.Option(
            "--policy-config", help="Also write REGION's policy pack configuration here (`pulumi preview --policy-pack-config`)."
        ),
    ] = None,
) -> None:
    """Show what a region's stack will create, offline: the real program under Pulumi's mock runtime.

    No credentials, no engine, no network. JSON output is sorted and stable, for diffs in review.
    The policy pack runs over the result; a violation exits 1.
    """
    with work(ctx, fmt is OutputFormat.json) as s:
        if all_regions == (region_key is not None):
            raise BadInputError("plan: give one REGION or --all")
        if policy_config_to is not None and region_key is None:
            raise BadInputError("--policy-config: give one REGION (the configuration is per region)")
        docs = [r.to_dict() for r in plan_stacks(s, stack_regions(s) if all_regions else [str(region_key)])]
        overrides = s.catalog.policy_overrides
        if policy_config_to is not None:
            config = json.dumps(policy_config(s, str(region_key)), indent=2, sort_keys=True) + "\n"
            policy_config_to.parent.mkdir(parents=True, exist_ok=True)
            policy_config_to.write_text(config, encoding="utf-8")
    if fmt is OutputFormat.json:
        found = [o.to_dict() for o in overrides]
        doc = {**docs[0], "policy_overrides": found} if not all_regions else {"regions": docs, "policy_overrides": found}
        print_json(doc)
    else:
        print_overrides(overrides)
        for doc in docs:
            print_plan(doc)
    if any(d["policy_violations"] for d in docs):
        raise typer.Exit(EXIT_FAILED)
