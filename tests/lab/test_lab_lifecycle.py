"""Bringing the lab up and down leaves nothing behind: after a normal down, after a SIGKILL of
`lab up`, and after ten cycles in a row. Non-root users get one line and exit 1."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app

from ..conftest import REPO
from .conftest import leftovers, regionkit

pytestmark = pytest.mark.lab


def test_lab_down_leaves_nothing(lab_absent: None) -> None:
    regionkit("lab", "up")
    assert leftovers() != {}
    regionkit("lab", "down")
    assert leftovers() == {}
    again = regionkit("lab", "down")  # idempotent
    assert again.returncode == 0 and "nothing was up" in again.stdout


def test_lab_down_cleans_up_after_sigkill_of_up(lab_absent: None) -> None:
    for delay in (0.3, random.uniform(0.2, 1.2)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "regionkit", "--root", str(REPO), "lab", "up"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        regionkit("lab", "down")
        assert leftovers() == {}, f"after SIGKILL at {delay:.2f} s"
    regionkit("lab", "up")  # and the lab still comes up
    regionkit("lab", "down")
    assert leftovers() == {}


@pytest.mark.slow
def test_lab_ten_cycles_leave_nothing(lab_absent: None) -> None:
    for _ in range(10):
        regionkit("lab", "up", "--nodes", "2")
        assert regionkit("lab", "status").returncode == 0
        regionkit("lab", "down")
        assert leftovers() == {}


def test_lab_up_with_sixteen_nodes(lab_absent: None) -> None:
    out = regionkit("lab", "up", "--nodes", "16").stdout
    try:
        assert "16 hosts" in out
        assert regionkit("lab", "status").returncode == 0
    finally:
        regionkit("lab", "down")
    assert leftovers() == {}


def test_lab_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = CliRunner().invoke(app, ["--root", str(REPO), "lab", "up"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: regionkit lab needs root: it creates network namespaces, a bridge and mounts; run it as root (sudo)"
    )


def test_lab_bad_node_count_is_bad_input() -> None:
    result = CliRunner().invoke(app, ["--root", str(REPO), "lab", "up", "--nodes", "0"])
    assert result.exit_code == 4 and "--nodes 0" in result.stderr
