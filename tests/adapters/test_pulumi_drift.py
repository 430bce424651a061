"""Drift's cloud layer through the Automation API against the fake `pulumi` replaying engine
event logs: read-only, property drift against the ignore list, a deleted resource, an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from regionkit.adapters.pulumi import engine
from regionkit.catalog.load import load_catalog
from regionkit.planning import drift as d

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EVENTS = REPO / "tests" / "fixtures" / "pulumi_events"
REGION = "br-sao-1"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[engine.EngineSettings, Path]:
    stacks = tmp_path / "project"  # a deployed stack: its salt committed in the stack file
    shutil.copytree(REPO / "stacks", stacks, ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = stacks / f"Pulumi.{REGION}.yaml"
    stack_file.write_text(stack_file.read_text() + "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n")
    log = tmp_path / "pulumi.log"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "passphrase-never-in-reports")
    return engine.EngineSettings(root=tmp_path, pulumi_root=str(FAKE), stacks=stacks), log


def cloud(settings: engine.EngineSettings, monkeypatch: pytest.MonkeyPatch, events: str, **env: str) -> d.LayerRun:
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / events))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    found = engine.drift_preview(settings, REGION)
    run = d.LayerRun("cloud", REGION)
    if found.errors:
        run.error = " | ".join(found.errors)
        return run.settle()
    return d.cloud_findings(REGION, found.steps, load_catalog(REPO).policy.drift.ignore, run)


def test_preview_is_read_only_with_refresh(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, log = fake
    run = cloud(settings, monkeypatch, "drift_nochange.jsonl")
    assert run.status == "clean" and len(run.checked) == 4 and not run.findings
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    ops = [c for c in calls if {"preview", "up", "refresh", "destroy"} & set(c)]
    assert len(ops) == 1 and "preview" in ops[0] and "--refresh" in ops[0] and "--diff" in ops[0]
    assert not any(word in c for c in calls for word in ("up", "refresh", "destroy", "import"))


def test_property_drift_expected_against_actual_and_ignore_list(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = cloud(fake[0], monkeypatch, "drift_property.jsonl")
    assert run.status == "drift"
    by_item = {(f.subject.rsplit("::", 1)[-1], f.item): f for f in run.findings}
    assert set(by_item) == {("br-sao-1-spa-gpu-ssh", "cidrIpv4"), ("br-sao-1-spa-mgmt", "tags.team")}
    ssh = by_item[("br-sao-1-spa-gpu-ssh", "cidrIpv4")]
    assert (ssh.expected, ssh.actual) == ("10.80.0.0/24", "0.0.0.0/0")
    assert ssh.message == "br-sao-1-spa-gpu-ssh: cidrIpv4 changed out of band: expected '10.80.0.0/24', found '0.0.0.0/0'"
    assert ssh.reconcile == f"regionkit up {REGION}"
    team = by_item[("br-sao-1-spa-mgmt", "tags.team")]
    assert (team.expected, team.actual) == (None, "ops")
    # tagsAll and the activation's computed `expired` are on the shipped ignore list, with reasons
    assert len(run.ignored) == 2 and all(": " in i for i in run.ignored)
    assert any("expired" in i for i in run.ignored) and any("tagsAll" in i for i in run.ignored)
    assert any(u.endswith("br-sao-1-spa-gpu-activation") for u in run.checked)  # only ignored props: as declared


def test_deleted_resource(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    run = cloud(fake[0], monkeypatch, "drift_deleted.jsonl")
    (f,) = run.findings
    assert f.message == "br-sao-1-spa-gpu-01 (aws:route53/record:Record) was deleted out of band"
    assert (f.expected, f.actual, run.status, len(run.checked)) == ("exists", "absent", "drift", 3)


def test_engine_error_is_an_error_not_drift(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    run = cloud(fake[0], monkeypatch, "drift_error.jsonl", FAKE_PULUMI_EXIT="255", FAKE_PULUMI_STDERR="error: preview failed")
    assert run.status == "error" and "AuthFailure" in run.error and not run.findings
    assert d.DriftReport([run], "now").exit_code == 1
