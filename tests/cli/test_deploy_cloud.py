"""`regionkit deploy` for a cloud region, against the fake `pulumi`: validate, up, inventory from
the stack's outputs, then mirror sync, stopping at the first failed stage with the command that
resumes from there. A real `up` needs the Pulumi CLI, which these machines cannot install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from regionkit.adapters.pulumi.mock_engine import synthesize

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
REGION = "br-sao-1"


def deploy(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "FAKE_PULUMI"))}
    return subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(root), "deploy", REGION, "--yes", *args],
        capture_output=True, text=True, timeout=600,
        env={**clean, "REGIONKIT_PULUMI_ROOT": str(FAKE), "PULUMI_CONFIG_PASSPHRASE": "test-only", "COLUMNS": "200", **env},
    )  # fmt: skip


def copy_repo(tmp_path: Path) -> Path:
    """A user's site: inventories/, and stacks/ for its stack files (`up` writes a new stack's salt
    there, to be committed; the engine uses the site's Pulumi project when it has one)."""
    shutil.copytree(REPO / "inventories", tmp_path / "inventories", ignore=shutil.ignore_patterns("hosts.yml"))
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_deploy_stops_at_up_while_the_region_is_not_ready(tmp_path: Path) -> None:
    root = copy_repo(tmp_path)
    region_file = root / "inventories" / REGION / "region.yml"
    # the node activations expired: validate warns (readiness.registration) and `up` refuses until re-issued
    region_file.write_text(region_file.read_text().replace("rotated: 2026-11-20", "rotated: 2026-01-02"))
    proc = deploy(root, FAKE_PULUMI_EVENTS=str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"))
    assert proc.returncode == 1
    assert "validate: done" in proc.stdout
    assert f"stage 'up' failed (exit 1); resume with: regionkit up {REGION}" in proc.stderr


def test_deploy_without_a_stack_or_stand_ins_stops_at_up_with_one_line(tmp_path: Path) -> None:
    """No Pulumi CLI, no recorded outputs, no lab: one line naming what failed, why, and both ways on."""
    root = copy_repo(tmp_path)
    no_pulumi = str(tmp_path / "empty-bin")
    Path(no_pulumi).mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PULUMI_", "FAKE_PULUMI", "REGIONKIT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(root), "deploy", REGION, "--yes"],
        capture_output=True, text=True, timeout=120, env={**env, "PATH": no_pulumi, "COLUMNS": "400"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "validate: done" in proc.stdout and "== 2/6 up" in proc.stdout and "inventory" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: deploy {REGION}: stage 'up' failed (exit 1): the pulumi CLI was not found")
    assert lines[0].endswith(f"resume with: regionkit up {REGION} (or rehearse on lab stand-ins: regionkit lab up --region {REGION})")


def stack_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A site whose region has an ordered link, and the fake pulumi's settings for a first `up` that
    creates the stack (a backend that has none yet) and returns the program's synthesized outputs."""
    root = copy_repo(tmp_path)
    region_file = root / "inventories" / REGION / "region.yml"
    zone = "    cloud_zone: sa-east-1a\n"
    region_file.write_text(region_file.read_text().replace(zone, zone + "    link: {location: EqSP3}\n"))
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(synthesize(REPO / "stacks", REGION).outputs))
    return root, {
        "FAKE_PULUMI_OUTPUTS": str(outputs),
        "FAKE_PULUMI_CHANGES": '{"create": 90}',
        "FAKE_PULUMI_EVENTS": str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"),  # `up` previews first
        "FAKE_PULUMI_STACKS": str(tmp_path / "stacks.txt"),  # a backend that has no stack yet: `up` creates it
    }


def test_deploy_runs_up_and_inventory_from_the_stack_then_stops_at_mirror_sync(tmp_path: Path) -> None:
    root, fake = stack_site(tmp_path)
    log = tmp_path / "pulumi.log"
    proc = deploy(root, FAKE_PULUMI_LOG=str(log), **fake)
    assert "up: done" in proc.stdout and "inventory: done" in proc.stdout, proc.stdout + proc.stderr
    assert (root / "inventories" / REGION / "hosts.yml").exists()
    assert any("up" in json.loads(line) for line in log.read_text().splitlines())
    assert proc.returncode == 4  # a stack's hosts need the vendors' own files: bad input, one line
    assert f"stage 'mirror sync' failed (exit 4): mirror sync {REGION}: --from DIR is required" in proc.stderr
    assert "deploy: --artifacts DIR" in proc.stderr
    assert proc.stderr.rstrip().endswith(f"resume with: regionkit mirror sync {REGION} --from DIR")


def test_deploy_hands_its_artifacts_folder_to_mirror_sync(tmp_path: Path) -> None:
    """deploy --artifacts DIR: mirror sync reads the vendor files there (missing ones are named before
    anything is uploaded), and the resume command carries the folder."""
    root, fake = stack_site(tmp_path)
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    proc = deploy(root, "--artifacts", str(vendor), **fake)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"stage 'mirror sync' failed (exit 4): {vendor}: missing artifacts" in proc.stderr
    assert proc.stderr.rstrip().endswith(f"resume with: regionkit mirror sync {REGION} --from {vendor}")
