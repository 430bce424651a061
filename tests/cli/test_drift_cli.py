"""`regionkit drift` as a user runs it: the cloud layer's exit codes and reports, bad arguments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from regionkit.commands.app import app

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EVENTS = REPO / "tests" / "fixtures" / "pulumi_events"
SCHEMAS = REPO / "tests" / "fixtures" / "schemas"
REGION = "br-sao-1"


def test_cli_cloud_layer_exit_codes_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "inventories", tmp_path / "inventories")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = tmp_path / "stacks" / f"Pulumi.{REGION}.yaml"  # as committed once `up` created the stack
    stack_file.write_text(stack_file.read_text() + "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n")
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "passphrase-never-in-reports")
    runner = CliRunner()
    for events, code in (("drift_nochange.jsonl", 0), ("drift_property.jsonl", 2), ("drift_deleted.jsonl", 2)):
        monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / events))
        out = tmp_path / f"{events}.xml"
        result = runner.invoke(
            app, ["--root", str(tmp_path), "drift", REGION, "--layers", "cloud", "--format", "junit", "--output", str(out)]
        )
        assert result.exit_code == code, result.output
        xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(out.read_text())
        assert "passphrase-never-in-reports" not in result.output + out.read_text()
    bad = runner.invoke(app, ["--root", str(tmp_path), "drift", REGION, "--layers", "cloud,disks"])
    assert bad.exit_code == 4 and "--layers cloud,disks: unknown layer(s) disks" in bad.output
    both = runner.invoke(app, ["--root", str(tmp_path), "drift", REGION, "--all"])
    assert both.exit_code == 4


def test_a_region_never_applied_is_not_deployed_and_nothing_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "inventories", tmp_path / "inventories")
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    log, stacks = tmp_path / "pulumi.log", tmp_path / "stacks.txt"
    stacks.write_text("")  # the backend holds no stack
    for name, value in (("REGIONKIT_PULUMI_ROOT", str(FAKE)), ("FAKE_PULUMI_LOG", str(log)), ("FAKE_PULUMI_STACKS", str(stacks)),
                        ("PULUMI_CONFIG_PASSPHRASE", "t")):  # fmt: skip
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["--root", str(tmp_path), "drift", REGION, "--layers", "cloud", "--format", "json"])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.stdout)["runs"]
    assert run["status"] == "not deployed" and "never applied" in run["not_verified"][0]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert not any({"init", "preview", "up"} & set(c) for c in calls)  # selected only: no stack created
    assert stacks.read_text() == ""
