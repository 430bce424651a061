"""`deploy` runs handover before the inventory for a region whose pools list servers, goes on with
the accepted servers (its exit code says some were held back), and stops when none was accepted.
The stages are the real chain with each use case replaced by a recorder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from regionkit.planning.handover import HandoverReport, HandoverResult, Reason
from regionkit.services import deploy as deploy_module
from regionkit.services.handover import HandoverRun
from regionkit.services.session import Session

AT = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
REJECTED = Reason("firmware", "BMC below the baseline", "update it")


def run_with(verdicts: dict[str, str]) -> HandoverRun:
    results = tuple(HandoverResult(n, "a", v, () if v == "accepted" else (REJECTED,), AT) for n, v in verdicts.items())  # type: ignore[arg-type]
    return HandoverRun(HandoverReport("lab", "src", AT, "0", "every listed server", results), Path("."), Path("."))


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    order: list[str] = []

    def recorder(name: str, value: Any = None) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            order.append(name)
            return value

        return record

    for attr, name in [("require_valid", "validate"), ("lab_up", "lab up"), ("region_hosts", "inventory"),
                       ("mirror_sync", "mirror sync"), ("bootstrap", "bootstrap"), ("verify", "verify")]:  # fmt: skip
        monkeypatch.setattr(deploy_module, attr, recorder(name))
    return order


def test_deploy_runs_handover_before_the_inventory(catalog_root: Path, stages: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy_module, "handover", lambda s, r: stages.append("handover") or run_with({"a": "accepted"}))
    result = deploy_module.deploy(Session(catalog_root), "lab")
    assert stages == ["validate", "lab up", "handover", "inventory", "mirror sync", "bootstrap", "verify"]
    assert result.exit_code == 0 and result.failed is None


def test_deploy_goes_on_with_accepted_servers_and_says_some_were_held_back(
    catalog_root: Path, stages: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_module, "handover", lambda s, r: run_with({"a": "accepted", "b": "rejected"}))
    result = deploy_module.deploy(Session(catalog_root), "lab")
    assert stages[-1] == "verify" and result.failed is None
    assert result.exit_code == 1 and any("held back 1 of 2 servers (b)" in n for n in result.notes)


def test_deploy_stops_at_handover_when_no_server_was_accepted(
    catalog_root: Path, stages: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_module, "handover", lambda s, r: run_with({"a": "rejected"}))
    result = deploy_module.deploy(Session(catalog_root), "lab")
    assert stages == ["validate", "lab up"] and result.failed is not None and result.failed.name == "handover"
    assert result.exit_code == 1 and result.failed.resume == "regionkit handover lab"


def test_deploy_has_no_handover_stage_where_no_pool_lists_servers(catalog_root: Path, stages: list[str], edit: Any) -> None:
    edit("lab", lambda region: [p.pop("handover") for p in region["pools"]] and region.pop("handover"))
    deploy_module.deploy(Session(catalog_root), "lab")
    assert "handover" not in stages and stages[:3] == ["validate", "lab up", "inventory"]


def test_deploy_hands_the_stacks_backend_to_bootstrap(catalog_root: Path, stages: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS's node activations are read from the stack at bootstrap: from the backend `up` used."""
    given: list[Any] = []
    failed = SimpleNamespace(exit_code=1)
    monkeypatch.setattr(deploy_module, "bootstrap", lambda *a, **kw: given.append(kw.get("backend")) or failed)
    monkeypatch.setattr(deploy_module, "handover", lambda s, r: run_with({"a": "accepted"}))
    result = deploy_module.deploy(Session(catalog_root), "lab", backend="s3://state")
    assert given == ["s3://state"]
    assert result.failed is not None and result.failed.resume == "regionkit bootstrap lab --backend s3://state"
