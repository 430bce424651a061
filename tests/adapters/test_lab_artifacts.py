"""The lab's stand-ins for vendor artifacts: installable, where the vendors' installers install."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from regionkit.adapters.lab.artifacts import build
from regionkit.catalog.load import load_catalog
from regionkit.planning.artifacts import region_artifacts
from regionkit.planning.lab import lab_outputs, plan_lab

from ..conftest import REPO

LAB_POOLS = lab_outputs(plan_lab(load_catalog(REPO))).pools


def test_standin_run_package_installs_where_told(tmp_path: Path) -> None:
    (art,) = [a for a in region_artifacts(LAB_POOLS) if a.name == "ppu-sdk"]
    path = build(art, tmp_path / "out")
    subprocess.run(["sh", str(path), "--quiet", f"--install-path={tmp_path / 'ppu'}"], check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "ppu" / "bin" / "ppu-smi"), "--version"], capture_output=True, text=True).stdout
    assert "1.6.2" in out and "stand-in" in out


def test_standin_deb_is_a_valid_package(tmp_path: Path) -> None:
    (art,) = [a for a in region_artifacts(LAB_POOLS) if a.name == "rocm-rccl"]
    path = build(art, tmp_path)
    info = subprocess.run(["dpkg-deb", "--field", str(path), "Package", "Version"], capture_output=True, text=True, check=True)
    assert info.stdout.split() == ["Package:", "rccl", "Version:", "2.22.3"]


def test_standin_deb_is_the_same_each_build(tmp_path: Path) -> None:
    """Each `mirror sync lab` rebuilds the stand-ins: the same bytes, so the lab's committed pins
    (inventories/lab/group_vars/all/artifacts.yml) stay as they are."""
    (art,) = [a for a in region_artifacts(LAB_POOLS) if a.name == "rocm-rccl"]
    first = build(art, tmp_path / "a").read_bytes()
    time.sleep(1.1)  # a build a second later: without fixed file times, the package differs
    assert build(art, tmp_path / "b").read_bytes() == first
