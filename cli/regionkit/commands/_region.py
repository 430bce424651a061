"""A region's rendered inventory and mirror credentials, as bootstrap, verify and drift read them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from regionkit.catalog.load import Catalog
from regionkit.errors import BadInputError


def inventory_path(catalog: Catalog, region: str) -> Path:
    """The region's hosts.yml; a located error naming the command that renders it if missing."""
    path = catalog.inventories / region / "hosts.yml"
    if not path.exists():
        fix = "`regionkit lab up`" if region == "lab" else f"`regionkit inventory {region}`"
        raise BadInputError(f"{catalog.rel(path)}: no inventory; render it first with {fix}")
    return path


def inventory_vars(catalog: Catalog, region: str) -> dict[str, Any]:
    doc = yaml.safe_load(inventory_path(catalog, region).read_text())
    return dict(doc.get("all", {}).get("vars", {}))


def hosts_and_pools(catalog: Catalog, region: str) -> tuple[Path, dict[str, str]]:
    """The inventory's path and each host's innermost group (its pool)."""
    inventory = inventory_path(catalog, region)
    pools: dict[str, str] = {}

    def walk(node: dict[str, Any], group: str) -> None:
        for host in node.get("hosts") or {}:
            pools[host] = group
        for child, sub in (node.get("children") or {}).items():
            walk(sub or {}, child)

    walk(yaml.safe_load(inventory.read_text())["all"], "all")
    return inventory, pools


def mirror_credentials(catalog: Catalog, region: str) -> dict[str, str]:
    """The lab's keys from its state; elsewhere the standard AWS variables of the environment."""
    if region == "lab":
        lab_state = catalog.root / ".regionkit" / "lab" / "state.json"
        if not lab_state.exists():
            raise BadInputError("the lab is down; run `regionkit lab up` first")
        s3 = json.loads(lab_state.read_text())["s3"]
        return {"AWS_ACCESS_KEY_ID": s3["access_key"], "AWS_SECRET_ACCESS_KEY": s3["secret_key"]}
    creds = {k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN") if k in os.environ}
    if "AWS_ACCESS_KEY_ID" not in creds and "AWS_PROFILE" not in os.environ:
        raise BadInputError("no mirror credentials: export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")
    return creds
