"""The acceptance suites `regionkit verify` runs against a region's hosts (testinfra over SSH).

Each suite module declares its LEVEL (0 baseline, 1 software, 2 devices, 3 collectives); verify
runs the levels up to the one asked for. Host-agnostic: every expectation comes from the host's
inventory variables (the pool's pins, vendor, floors) or from the role defaults they override.
Run through `regionkit verify REGION` (adapters/testinfra/suites.py), which sets:
  REGIONKIT_INVENTORY  the region's rendered inventory
  REGIONKIT_LEVEL      the highest level to run
  REGIONKIT_FIGURES    a JSON file the collective level writes its figures to
A check with nothing to check (no device on the host) is skipped with a reason ("not verified:
..."); reports show it as not verified, never as passed.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest
import yaml

from regionkit.content import content_root


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "role(name): the role that owns what the check looks at (drift names it to reconcile)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the suites above REGIONKIT_LEVEL; record each check's level and owning role in the
    JUnit file."""
    highest = int(os.environ.get("REGIONKIT_LEVEL", "3"))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        level = int(getattr(item.module, "LEVEL", 0))  # type: ignore[attr-defined]
        item.user_properties.append(("level", level))
        if role := item.get_closest_marker("role"):
            item.user_properties.append(("role", role.args[0]))
        (keep if level <= highest else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def plain(value: Any) -> Any:
    """Inventory values as written: `ansible-inventory --list` (which testinfra reads) wraps every
    `!unsafe` string, which is every string regionkit renders, as {"__ansible_unsafe": text}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def inventory_vars(host: Any) -> dict[str, Any]:
    """A host's inventory variables (testinfra's host), as plain values."""
    variables: dict[str, Any] = plain(host.ansible.get_variables())
    return variables


@pytest.fixture
def hostvars(host: Any) -> dict[str, Any]:
    return inventory_vars(host)


def not_verified(what: str) -> None:
    pytest.skip(f"not verified: {what}")


@cache
def _role_defaults(role: str) -> dict[str, Any]:
    defaults: dict[str, Any] = yaml.safe_load((content_root().roles / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    return defaults


def role_input(hostvars: dict[str, Any], role: str, name: str) -> Any:
    """A role input as the host gets it: the inventory's value, else the role's own default (read
    from the role, the one place it is written). A default that is a template is not resolved."""
    return hostvars[name] if name in hostvars else _role_defaults(role)[name]
