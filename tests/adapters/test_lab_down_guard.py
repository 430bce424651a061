"""`lab down` of one catalog never touches another lab that is up on the machine: the bridge, the
hosts' namespaces and links carry machine-wide names (rklab0, rk-<host>, rkv<n>), which are that
lab's while it owns the machine. Only this lab's own processes and files go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regionkit.adapters.lab import hosts
from regionkit.catalog.load import load_catalog
from regionkit.planning.lab import plan_lab
from regionkit.workspace import Workspace

from ..conftest import REPO


def test_lab_down_leaves_another_labs_names_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other" / ".regionkit" / "lab"
    lock = tmp_path / "owner"
    lock.write_text(str(other))
    (tmp_path / "mine").mkdir()
    paths = hosts.LabPaths(Workspace(tmp_path / "mine"))
    paths.workspace.write(paths.state_file, '{"hosts": {"laba-nv-01": {"netns": "rk-laba-nv-01", "veth": "rkv0"}}}')
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(hosts, "MACHINE_LOCK", lock)
    monkeypatch.setattr(hosts, "require_root", lambda: None)
    monkeypatch.setattr(hosts, "_our_processes", lambda state_dir: [4242] if Path(state_dir) == other else [])
    monkeypatch.setattr(hosts, "_ip", lambda *a, **k: calls.append(a) or _Done())
    monkeypatch.setattr(hosts, "close_connections", lambda addresses: calls.append(("close", *addresses)) or 0)
    removed = hosts.lab_down(paths, plan_lab(load_catalog(REPO)))
    assert calls == [] and sum(removed.values()) == 0
    assert not paths.state_file.exists() and lock.read_text() == str(other)  # our state gone, theirs untouched


class _Done:
    returncode = 0
    stdout = ""

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - nothing else is read
        raise AttributeError(name)
