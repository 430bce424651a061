"""A canary secret in every secret input a cloud region's commands take, and a search for it
everywhere they leave something: every file under the site (its .regionkit/ workspace, rendered
inventories, reports), every line they print, and every process's command line while they run.

Secret inputs: the AWS credential chain's environment (key id, secret, session token), the stack
passphrase, and the BMC passwords (environment and file) the catalog points at. The engine is the
fake pulumi; the lab's own secrets (its mirror's keys) are tests/lab/test_lab_secrets.py's, and
the role's presigned downloads tests/adapters/test_secrets_at_rest.py's. A secret written into a
catalog file is not a secret input: the catalog is reviewed text that reports quote.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import REPO, Edit, command_lines

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
SALT = "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n"
CANARY = "canary" + secrets.token_hex(12)
PLANTED = {
    "AWS_ACCESS_KEY_ID": f"AKIA{CANARY.upper()}",
    "AWS_SECRET_ACCESS_KEY": f"{CANARY}-aws-secret",
    "AWS_SESSION_TOKEN": f"{CANARY}-aws-session",
    "PULUMI_CONFIG_PASSPHRASE": f"{CANARY}-passphrase",
    "RK_GB_LON_1_BMC_PASSWORD": f"{CANARY}-bmc-factory",
    "RK_GB_LON_1_BMC_SITE_PASSWORD": f"{CANARY}-bmc-site",
}
BMC_FILE_SECRET = f"{CANARY}-bmc-file"


class CommandLines:
    """Every process's /proc/<pid>/cmdline, read over and over while a command runs."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.found += [line.decode(errors="replace") for line in command_lines() if CANARY.encode() in line.lower()]

    def __enter__(self) -> CommandLines:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def site(catalog_root: Path, edit: Edit, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = catalog_root / "stacks" / "Pulumi.nl-ams-1.yaml"
    stack_file.write_text(stack_file.read_text() + SALT)
    edit("clouds.yml", lambda d: d["alicloud"]["eu-central-1"].update(kms_instance="kst-fra65f1c2e7d"))
    bmc = catalog_root / "bmc-password"
    bmc.write_text(BMC_FILE_SECRET + "\n")
    bmc.chmod(0o600)
    edit("gb-lon-1", lambda d: d["handover"]["credentials"].update(password={"file": "bmc-password"}))
    (tmp_path / "stacks.txt").write_text("nl-ams-1\n")
    env = {
        **os.environ,
        **PLANTED,
        "PYTHONPATH": str(REPO / "cli"),
        "REGIONKIT_PULUMI_ROOT": str(FAKE),
        "FAKE_PULUMI_STACKS": str(tmp_path / "stacks.txt"),
        "FAKE_PULUMI_EVENTS": str(REPO / "tests/fixtures/pulumi_events/drift_property.jsonl"),
        "FAKE_PULUMI_LOG": str(tmp_path / "pulumi-calls.log"),
    }
    yield catalog_root, env


COMMANDS = [
    ["validate", "--format", "json"],
    ["validate", "gb-lon-1"],
    ["regions"],
    ["plan", "nl-ams-1", "--format", "json"],
    ["inventory", "gb-lon-1"],
    ["inventory", "nl-ams-1", "--format", "json"],
    ["preview", "nl-ams-1"],
    ["up", "nl-ams-1", "--yes"],
    ["refresh", "nl-ams-1", "--format", "json"],
    ["drift", "nl-ams-1", "--layers", "cloud", "--format", "json"],
    ["drift", "nl-ams-1", "--layers", "cloud", "--format", "sarif"],
    ["drift", "nl-ams-1", "--layers", "cloud,config,health"],  # no hosts: config and health are errors, with their text
    ["bootstrap", "nl-ams-1"],  # no stack outputs yet: an error line
    ["--debug", "validate", "nope"],
]


def test_no_secret_input_shows_up_anywhere(site: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, env = site
    printed = []
    with CommandLines() as lines:
        for args in COMMANDS:
            extra = ["--output", str(tmp_path / "drift-report.md")] if args[0] == "drift" else []
            proc = subprocess.run(
                [sys.executable, "-m", "regionkit", "--root", str(root), *args, *extra],
                capture_output=True, text=True, env=env, timeout=300,
            )  # fmt: skip
            assert "Traceback" not in proc.stderr or args[0] == "--debug", proc.stderr
            printed.append(f"$ regionkit {' '.join(args)} -> {proc.returncode}\n{proc.stdout}{proc.stderr}")
    # The commands ran (a leak test that ran nothing would pass).
    assert (root / ".regionkit" / "policy" / "nl-ams-1.json").is_file() and (root / ".regionkit" / "drift").is_dir()
    assert (root / "inventories" / "gb-lon-1" / "hosts.yml").is_file()
    output = "\n".join(printed)
    leaks = [s for s in (*PLANTED.values(), BMC_FILE_SECRET) if s.lower() in output.lower()]
    assert not leaks, output
    written = [p for p in [*root.rglob("*"), tmp_path / "drift-report.md"] if p.is_file() and p.name != "bmc-password"]
    holding = [str(p) for p in written if CANARY.encode() in p.read_bytes().lower()]
    assert holding == []
    assert lines.found == []
    # every pulumi the commands ran wrote its argv here: short-lived processes the watcher may miss
    calls = (tmp_path / "pulumi-calls.log").read_text()
    assert "preview" in calls and CANARY not in calls.lower()


def test_a_secret_an_engine_echoes_is_hidden_from_the_terminal(site: tuple[Path, dict[str, str]]) -> None:
    root, env = site
    echoed = f"error: decrypting: bad passphrase {PLANTED['PULUMI_CONFIG_PASSPHRASE']}"
    env = {**env, "FAKE_PULUMI_EXIT": "255", "FAKE_PULUMI_STDERR": echoed}
    command = [sys.executable, "-m", "regionkit", "--root", str(root), "preview", "nl-ams-1"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1
    assert "bad passphrase ***" in proc.stderr and CANARY not in proc.stdout + proc.stderr
