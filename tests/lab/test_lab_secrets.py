"""The lab's own secret, its mirror's keys, at rest and in flight, on a real lab: kept only in the
lab's state file (0600, in a 0700 folder), never on a command line (rclone reads them from its
environment), and nowhere else under .regionkit/ or in what the commands print after a mirror
sync, a bootstrap that downloads through presigned URLs, and a drift check of the same."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from ..conftest import command_lines
from .conftest import REPO, STATE, Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]

PPU_HOST = "labb-ppu-01"  # its role fetches the PPU SDK from the mirror (mirror_artifact)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cmdlines_holding(needles: list[bytes], stop: threading.Event, found: list[str]) -> None:
    while not stop.is_set():
        found += [line.decode(errors="replace") for line in command_lines() if any(n in line for n in needles)]


def test_the_mirror_keys_stay_in_the_state_file(lab: Lab) -> None:
    secret, access = lab.s3["secret_key"], lab.s3["access_key"]
    assert _mode(STATE / "state.json") == 0o600 and _mode(STATE) == 0o700 and _mode(REPO / ".regionkit") == 0o700
    found: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_cmdlines_holding, args=([secret.encode()], stop, found), daemon=True)
    watcher.start()
    try:
        printed = [
            regionkit("mirror", "sync", "lab"),
            regionkit("bootstrap", "lab", "--limit", PPU_HOST, "--tags", "accelerator", timeout=900),
            regionkit("drift", "lab", "--layers", "config", "--limit", PPU_HOST, "--format", "json", check=False, timeout=900),
            regionkit("lab", "status"),
        ]
    finally:
        stop.set()
        watcher.join()
    assert found == [], "the mirror's secret key is on a command line"
    for proc in printed:
        assert secret not in proc.stdout + proc.stderr and access not in proc.stdout + proc.stderr
    holding = [
        str(p)
        for p in (REPO / ".regionkit").rglob("*")
        if p.is_file() and not p.is_symlink() and p != STATE / "state.json" and secret.encode() in p.read_bytes()
    ]
    assert holding == []
    runs = sorted((REPO / ".regionkit" / "runs").glob("lab-*/artifacts/*/command"))
    assert runs and all(secret not in r.read_text() for r in runs)  # ansible-runner's record of the environment
