"""bootstrap obtains the activations of the pools it runs on right before the run and hands them to
the run through its environment only: AWS's from the stack itself (the recorded outputs keep them
masked), Alibaba's through ECS CreateActivation (replaced here by a recorder; the adapter is tested
against a loopback ECS in tests/adapters/test_alicloud_activation.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from regionkit.adapters.ansible.runner import RunResult
from regionkit.errors import BadInputError
from regionkit.planning.lab import lab_outputs, plan_lab
from regionkit.planning.outputs import RegistrationOutput, StackOutputs
from regionkit.services import bootstrap as bootstrap_service
from regionkit.services.registration import ENV, Obtained
from regionkit.services.session import Session
from regionkit.services.stack import record_outputs, synthesize_outputs

from .test_hosts import lab_state


class Recorder:
    """Stands in for the engine calls bootstrap makes: the run, CreateActivation, the stack's secrets."""

    def __init__(self, deployed: StackOutputs | None = None) -> None:
        self.runs: list[dict[str, Any]] = []
        self.created: list[list[Mapping[str, Any]]] = []
        self.stack_reads: list[tuple[str, str | None]] = []
        self.deployed = deployed

    def run_playbook(self, workspace: Any, region: str, playbook: Path, inventory: Path, limit: Any, tags: Any,
                     check: bool, diff: bool, env: dict[str, str], on_event: Any) -> RunResult:  # fmt: skip
        self.runs.append({"limit": limit, "tags": tags, "check": check, "env": dict(env)})
        return RunResult(workspace.root, {}, 0.0, "successful")

    def create(self, requests: Sequence[Mapping[str, Any]]) -> list[Obtained]:
        self.created.append(list(requests))
        n = len(self.created)
        return [Obtained(f"act-{n}-{i}", f"a-code-{n}-{i}+secret") for i, _ in enumerate(requests)]

    def read_stack(self, session: Session, region: str, backend: str | None) -> list[RegistrationOutput]:
        self.stack_reads.append((region, backend))
        assert self.deployed is not None
        return list(self.deployed.registration)

    def activations(self) -> dict[str, Any]:
        return json.loads(self.runs[-1]["env"][ENV])


def deployed(session: Session, key: str) -> StackOutputs:
    """The region's outputs as `pulumi stack output --show-secrets` gives them, recorded as `up` does."""
    outputs = synthesize_outputs(session, key)
    record_outputs(session, key, outputs.model_dump(mode="python"))
    return outputs


def run(session: Session, key: str, rec: Recorder, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> RunResult:
    monkeypatch.setattr(bootstrap_service, "run_playbook", rec.run_playbook)
    return bootstrap_service.bootstrap(session, key, create=rec.create, read_stack=rec.read_stack, **kw)


def test_alicloud_pools_in_scope_get_activations_created_right_before_the_run(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = Session(catalog_root)
    outputs = deployed(session, "de-fra-1")
    rec = Recorder()
    result = run(session, "de-fra-1", rec, monkeypatch, limit="de_fra_1b_ppu")
    requests = {r.group: r.create_activation for r in outputs.registration}
    assert rec.created == [requests["de_fra_1b_ppu"]]  # only the pool the run reaches: codes are limited and expire
    assert rec.stack_reads == []
    pools = rec.activations()
    assert set(pools) == {"de_fra_1b_ppu"}
    assert pools["de_fra_1b_ppu"] == {
        "service": "cloud-assistant", "region": "eu-central-1", "per_activation": 32,
        "activations": [{"activation_id": "act-1-0", "activation_code": "a-code-1-0+secret"}],
    }  # fmt: skip
    assert "a-code-1-0+secret" not in " ".join(result.registration)
    assert result.registration == ["de_fra_1b_ppu: 1 cloud-assistant activation(s) created with ECS CreateActivation (valid 4 h)"]
    # never in the inventory or any file regionkit wrote
    for path in session.workspace.root.rglob("*"):
        if path.is_file():
            assert b"a-code-1-0" not in path.read_bytes(), path


def test_aws_activations_come_from_the_stack_as_the_record_masks_them(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(catalog_root)
    outputs = deployed(session, "br-sao-1")
    recorded = json.loads(session.workspace.outputs_file("br-sao-1").read_text())
    assert {r["activation_code"] for r in recorded["registration"]} == {"**********"}
    rec = Recorder(outputs)
    monkeypatch.setattr("regionkit.services.registration.dt", _FixedToday(dt.date(2026, 12, 1)))
    run(session, "br-sao-1", rec, monkeypatch, backend="s3://state?region=sa-east-1")
    assert rec.stack_reads == [("br-sao-1", "s3://state?region=sa-east-1")] and rec.created == []
    pools = rec.activations()
    expected = {r.group: r.activation_code.get_secret_value() for r in outputs.registration if r.activation_code}
    assert {g: p["activations"][0]["activation_code"] for g, p in pools.items()} == expected
    assert {p["service"] for p in pools.values()} == {"ssm"} and {p["region"] for p in pools.values()} == {outputs.cloud_region}
    assert all(p["per_activation"] == 16 for p in pools.values())


def test_an_expired_aws_activation_stops_bootstrap_before_the_run(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(catalog_root)
    rec = Recorder(deployed(session, "br-sao-1"))
    monkeypatch.setattr("regionkit.services.registration.dt", _FixedToday(dt.date(2026, 12, 20)))
    with pytest.raises(BadInputError, match=r"expired on 2026-12-20; set registration.rotated: 2026-12-20"):
        run(session, "br-sao-1", rec, monkeypatch)
    assert rec.runs == []


def test_check_mode_and_runs_without_the_registration_tag_obtain_nothing(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(catalog_root)
    deployed(session, "de-fra-1")
    rec = Recorder()
    run(session, "de-fra-1", rec, monkeypatch, check=True)
    assert rec.created == []
    placeholders = {a["activation_code"] for p in rec.activations().values() for a in p["activations"]}
    assert placeholders == {"(check mode: no activation obtained)"}
    run(session, "de-fra-1", rec, monkeypatch, tags="baseline,rdma")
    assert rec.created == [] and ENV not in rec.runs[-1]["env"]
    run(session, "de-fra-1", rec, monkeypatch, tags="registration")
    assert len(rec.created) == 3


def test_lab_stand_ins_register_with_no_cloud(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="de-fra-1")).model_dump(mode="json"))
    monkeypatch.setattr("regionkit.services.hosts.lab.connection_vars", lambda paths: {})
    rec = Recorder()
    result = run(session, "de-fra-1", rec, monkeypatch)
    assert rec.created == [] and rec.stack_reads == [] and ENV not in rec.runs[-1]["env"] and result.registration == []


class _FixedToday:
    """The `dt` module with a fixed today, for expiry."""

    def __init__(self, today: dt.date) -> None:
        self.date, self.timedelta, self.UTC = dt.date, dt.timedelta, dt.UTC
        self._today = today

        class _Now:
            @staticmethod
            def now(tz: Any = None) -> Any:
                return dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)

        self.datetime = _Now
