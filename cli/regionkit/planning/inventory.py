"""Render an Ansible inventory (hosts.yml + group_vars per pool) from stack outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


def group_name(name: str) -> str:
    """Ansible group names may not contain '-'."""
    return name.replace("-", "_")


def render_inventory(
    templates: Path, outputs: dict[str, Any], source: str, connection: dict[str, Any] | None = None
) -> dict[str, str]:
    """{relative path under inventories/<region>/: text} for the region's outputs."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates / "inventory"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML; values go through tojson
    )
    env.filters["group"] = group_name
    zones: dict[str, list[dict[str, Any]]] = {}
    for pool in outputs["pools"]:
        zones.setdefault(pool["zone"], []).append(pool)
    context = {
        "region": outputs["region"],
        "dns_zone": outputs["dns_zone"]["name"],
        "mirror": outputs["mirror"],
        "connection": connection or {},
        "source": source,
        "zones": [{"id": z, "pools": pools} for z, pools in sorted(zones.items())],
    }
    files = {"hosts.yml": env.get_template("hosts.yml.j2").render(context)}
    for pool in outputs["pools"]:
        files[f"group_vars/{pool['group']}.yml"] = env.get_template("group_vars.yml.j2").render(region=outputs["region"], pool=pool)
    return files
