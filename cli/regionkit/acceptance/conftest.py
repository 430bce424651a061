"""The acceptance suites `regionkit verify` runs against a region's hosts (testinfra over SSH).

Each suite module declares its LEVEL (0 baseline, 1 software, 2 devices, 3 collectives); verify
runs the levels up to the one asked for. Host-agnostic: every expectation comes from the host's
inventory variables (the pool's pins, vendor, floors) or from the role defaults they override.
Run through `regionkit verify REGION` (adapters/testinfra/suites.py), which sets:
  REGIONKIT_INVENTORY  the region's rendered inventory
  REGIONKIT_LEVEL      the highest level to run
  REGIONKIT_FIGURES    a JSON file the collective level writes its figures to
A check with nothing to check (a pool without accelerators, a tool this host does not have by
configuration) is skipped with a reason ("not verified: ..."); reports show it as not verified,
never as passed. A check that judges tool output records its health verdict, the recommended
actions and its warnings as JUnit properties (`decide`), which verify's report and drift read.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any, NoReturn

import pytest
import yaml

from regionkit.content import content_root
from regionkit.health import Action
from regionkit.health.gate import Gate, refuse
from regionkit.planning.inventory import NO_DEVICES_BY_DESIGN


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


def not_verified(what: str) -> NoReturn:
    pytest.skip(f"not verified: {what}")


def not_verified_by_design(hostvars: dict[str, Any], record_property: Any, why: str) -> None:
    """Skip the check if the host's inventory says it has no devices by design (the lab, lab
    stand-ins); return otherwise, and the caller fails it."""
    if hostvars.get(NO_DEVICES_BY_DESIGN) is True:
        record_property("by_design", "true")
        not_verified(f"no devices by design ({why})")


def decide(record_property: Any, gate: Gate) -> None:
    """Record the gate's verdict, actions and warnings on the check, and fail it unless it passed
    (pass and warn pass; fail and unknown fail)."""
    for name, value in gate.properties():
        record_property(name, value)
    if not gate.passed:
        pytest.fail(gate.message, pytrace=False)


def refused(record_property: Any, reason: str, action: Action) -> NoReturn:
    """Fail the check before any output was judged (a device node, driver or tool missing)."""
    decide(record_property, refuse(reason, action))
    raise AssertionError(reason)  # decide has failed the check already


@cache
def _role_defaults(role: str) -> dict[str, Any]:
    defaults: dict[str, Any] = yaml.safe_load((content_root().roles / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    return defaults


def role_input(hostvars: dict[str, Any], role: str, name: str) -> Any:
    """A role input as the host gets it: the inventory's value, else the role's own default (read
    from the role, the one place it is written). A default that is a template is not resolved."""
    return hostvars[name] if name in hostvars else _role_defaults(role)[name]
