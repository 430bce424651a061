"""`regionkit plan|up|destroy|inventory` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.acceptance.conftest import plain
from regionkit.adapters.pulumi.policy_runner import load_policies
from regionkit.commands.app import app

from ..conftest import REPO, Edit

runner = CliRunner()
FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"


def run(*args: str, root: Path = REPO, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--root", str(root), *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_plan_shows_the_resource_tree_and_counts() -> None:
    code, out, _ = run("plan", "nl-ams-1")
    assert code == 0
    assert "regionkit:zone:Zone nl-ams-1a" in out
    assert "alicloud:privatelink/vpcEndpoint:VpcEndpoint" in out  # the mirror's private endpoint
    assert "alicloud:expressconnect/physicalConnection:PhysicalConnection" not in out  # links are planned: nothing ordered
    assert "per zone" in out and "per type" in out


def test_plan_all_json_is_byte_identical_across_processes() -> None:
    cmd = [sys.executable, "-m", "regionkit", "--root", str(REPO), "plan", "--all", "--format", "json"]
    first = subprocess.run(cmd, capture_output=True, check=True).stdout
    second = subprocess.run(cmd, capture_output=True, check=True).stdout
    assert first == second
    doc = json.loads(first)
    assert [d["region"] for d in doc["regions"]] == ["br-sao-1", "de-fra-1", "fr-par-1", "gb-lon-1", "nl-ams-1"]
    assert all(d["policy_violations"] == [] for d in doc["regions"])


def test_plan_refuses_planned_and_lab_regions() -> None:
    code, _, err = run("plan", "mx-qro-1")
    assert code == 1 and "planned" in err and "no cloud region id" in err
    code, _, err = run("plan", "lab")
    assert code == 4 and "no cloud stack" in err


def test_plan_with_a_planted_violation_exits_1(tmp_path: Path, catalog_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["residency"].update(replication=[{"bucket": "evidence", "to": "us-east-1"}]))
    code, _, err = run("plan", "nl-ams-1", root=catalog_root)
    assert code == 1 and "residency.replication" in err


def test_up_without_the_cli_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("REGIONKIT_PULUMI_ROOT", raising=False)
    code, _, err = run("up", "nl-ams-1")
    assert code == 1
    assert err.strip().splitlines() == [
        "error: the pulumi CLI was not found on PATH; install the Pulumi CLI "
        "(https://www.pulumi.com/docs/iac/download-install/) and re-run"
    ]


def test_up_refuses_a_region_that_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    code, _, err = run("up", "nl-ams-1")
    assert code == 1 and "readiness.kms-instance" in err and "stop it being applied" in err


def test_up_refuses_an_ordered_link_without_its_location(catalog_root: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    edit("nl-ams-1", lambda d: d["zones"][0].update(link={"state": "ordered", "port": "10GBase-LR"}))
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    code, _, err = run("up", "nl-ams-1", root=catalog_root)
    assert code == 1 and "link.state" in err and "zones[0].link.location" in err


def test_up_creates_the_stack_once_and_runs_the_engine_with_the_pack(
    catalog_root: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))  # the site's stack files
    edit("clouds.yml", lambda d: d["alicloud"]["eu-central-1"].update(kms_instance="kst-fra65f1c2e7d"))
    log = tmp_path / "log"
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("FAKE_PULUMI_STACKS", str(tmp_path / "stacks.txt"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"))  # the preview first
    code, out, err = run("up", "nl-ams-1", "--yes", root=catalog_root)
    assert code == 0, err
    assert "up nl-ams-1: create 1" in out
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    init = next(c for c in calls if "init" in c)
    assert init[init.index("--secrets-provider") + 1] == "passphrase"
    assert "encryptionsalt:" in (catalog_root / "stacks" / "Pulumi.nl-ams-1.yaml").read_text()
    up = next(c for c in calls if "up" in c)
    config = json.loads(Path(up[up.index("--policy-pack-config") + 1]).read_text())
    assert config["no-replication-out-of-jurisdiction"]["allowedRegions"] == ["eu-central-1"]
    assert set(config) == {p.name for p in load_policies(catalog_root / "stacks").POLICIES}


def test_destroy_asks_and_does_nothing_without_yes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "log"
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    code, _, err = run("destroy", "nl-ams-1", input="n\n")
    assert code == 1 and "not confirmed" in err
    assert not log.exists()


def test_inventory_renders_hosts_ansible_can_read(catalog_root: Path) -> None:
    code, out, err = run("inventory", "gb-lon-1", root=catalog_root)
    assert code == 0, err
    folder = catalog_root / "inventories" / "gb-lon-1"
    assert "4 hosts in 1 pools" in out
    ansible_inventory = Path(sys.executable).parent / "ansible-inventory"
    listed = subprocess.run(
        [str(ansible_inventory), "-i", str(folder / "hosts.yml"), "--list"], capture_output=True, text=True, check=True
    )
    inv = plain(json.loads(listed.stdout))  # every rendered string is !unsafe: Ansible never templates it
    assert inv["gb_lon_1a_h20"]["hosts"] == [f"gb-lon-1a-h20-0{i}" for i in range(1, 5)]
    assert inv["_meta"]["hostvars"]["gb-lon-1a-h20-04"]["regionkit_serial"] == "SN-LD8-0004"
    assert inv["_meta"]["hostvars"]["gb-lon-1a-h20-01"]["regionkit_software"]["driver"] == "535.261.03"


@pytest.mark.parametrize("command", ["plan", "preview", "up", "refresh", "destroy", "inventory"])
def test_help_on_every_stack_command(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_up_previews_then_asks_and_refuses_without_yes_off_a_terminal(
    catalog_root: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    edit("clouds.yml", lambda d: d["alicloud"]["eu-central-1"].update(kms_instance="kst-fra65f1c2e7d"))
    log = tmp_path / "log"
    for name, value in (("REGIONKIT_PULUMI_ROOT", str(FAKE)), ("FAKE_PULUMI_LOG", str(log)), ("PULUMI_CONFIG_PASSPHRASE", "t"),
                        ("FAKE_PULUMI_STACKS", str(tmp_path / "stacks.txt")),
                        ("FAKE_PULUMI_EVENTS", str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"))):  # fmt: skip
        monkeypatch.setenv(name, value)
    code, _, err = run("up", "nl-ams-1", root=catalog_root)
    assert code == 4 and "the preview changes create 88; pass --yes" in err
    ops = [c for c in (json.loads(line) for line in log.read_text().splitlines()) if {"preview", "up"} & set(c)]
    assert [("preview" in c, "up" in c) for c in ops] == [(True, False)]  # previewed, nothing applied


def test_destroy_says_what_it_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    code, _, err = run("destroy", "nl-ams-1", input="n\n")
    assert code == 1 and "keeps key" in err and "keeps bucket" in err and "not confirmed" in err
