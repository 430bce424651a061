"""The workspace: private folders, atomic private writes that never follow a symlink, UTC run folders."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from regionkit.errors import RegionkitError
from regionkit.workspace import Workspace, utc_stamp, write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_folders_are_private_and_files_written_private(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    folder = ws.folder("lab", "artifacts")
    assert mode(ws.root) == mode(tmp_path / ".regionkit" / "lab") == mode(folder) == 0o700
    path = ws.write(ws.root / "lab" / "state.json", "{}")
    assert mode(path) == 0o600 and path.read_text() == "{}"
    ws.write(path, '{"again": 1}')  # a second save keeps the mode
    assert mode(path) == 0o600 and "again" in path.read_text()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".state.json")] == []  # no temp file left


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "catalog"
    root.mkdir()
    (root / ".regionkit").symlink_to(outside)
    with pytest.raises(RegionkitError, match="symbolic link"):
        Workspace(root).write(root / ".regionkit" / "x.json", "secret")
    assert list(outside.iterdir()) == []


def test_a_symlinked_file_is_refused_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep")
    link = tmp_path / "hosts.yml"
    link.symlink_to(target)
    with pytest.raises(RegionkitError, match="not a regular file"):
        write_atomic(link, "overwritten", base=tmp_path)
    assert target.read_text() == "keep"


def test_writes_outside_the_base_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RegionkitError, match="outside"):
        write_atomic(tmp_path / ".." / "elsewhere.txt", "x", base=tmp_path)


def test_run_folders_are_utc_and_unique(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    first, second = ws.run_folder("verify", "lab"), ws.run_folder("verify", "lab")
    assert first != second and first.name.startswith("lab-") and first.name.endswith("Z")
    assert mode(first) == 0o700
    assert utc_stamp(dt.datetime(2026, 12, 6, 15, 5, 1, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == "20261206T130501.123Z"


def test_umask_does_not_loosen_private_files(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = Workspace(tmp_path).write(tmp_path / ".regionkit" / "k", "x")
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_a_workspace_folder_someone_opened_is_made_private_again(tmp_path: Path) -> None:
    (tmp_path / ".regionkit" / "lab").mkdir(parents=True)
    os.chmod(tmp_path / ".regionkit", 0o755)
    os.chmod(tmp_path / ".regionkit" / "lab", 0o775)
    (tmp_path / "inventories" / "x").mkdir(parents=True)
    ws = Workspace(tmp_path)
    ws.write(ws.root / "lab" / "state.json", "{}")
    assert mode(ws.root) == mode(ws.root / "lab") == 0o700
    ws.write(tmp_path / "inventories" / "x" / "hosts.yml", "all: {}\n", mode=0o644)
    assert mode(tmp_path / "inventories" / "x") == 0o755  # the user's own folders stay as they are
