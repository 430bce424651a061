"""The dpkg filters against dpkg-query's own output: the command line the filter builds, run on
this machine over a dpkg database written in dpkg's status format (see dpkg(1), deb822)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from .conftest import plugin

dpkg = plugin("filter", "dpkg")

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query (Debian)")

# One package in each state the roles meet: held, installed (multi-arch), removed with its
# configuration left, unpacked but not configured, half-installed needing a reinstall.
STATUS = """\
Package: nvidia-smi
Status: hold ok installed
Architecture: amd64
Version: 535.261.03-1~deb12u1
Maintainer: x <x@example.invalid>
Description: held

Package: libnccl2
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.21.5-1+cuda12.2
Maintainer: x <x@example.invalid>
Description: installed

Package: libnccl2
Status: install ok not-installed
Architecture: i386
Multi-Arch: same
Version: 2.21.5-1+cuda12.2
Maintainer: x <x@example.invalid>
Description: other architecture, not installed

Package: rccl
Status: deinstall ok config-files
Architecture: amd64
Version: 2.22.3
Maintainer: x <x@example.invalid>
Description: removed

Package: rocminfo
Status: install ok unpacked
Architecture: amd64
Version: 6.4.0
Maintainer: x <x@example.invalid>
Description: unpacked

Package: perftest
Status: install reinstreq half-installed
Architecture: amd64
Version: 23.04
Maintainer: x <x@example.invalid>
Description: broken
"""
NAMES = ["nvidia-smi", "libnccl2", "rccl", "rocminfo", "perftest", "never-heard-of"]


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What the roles' dpkg read prints, run for real against a database in dpkg's format."""
    admin = tmp_path_factory.mktemp("dpkg")
    (admin / "status").write_text(STATUS)
    (admin / "info").mkdir()
    (admin / "updates").mkdir()
    argv = dpkg.dpkg_query(NAMES)
    proc = subprocess.run([argv[0], f"--admindir={admin}", *argv[1:]], capture_output=True, text=True)
    assert proc.returncode == 1 and "never-heard-of" in proc.stderr  # as the roles see it: failed_when: false
    return proc.stdout


def test_dpkg_state_reads_each_state_dpkg_reports(output: str) -> None:
    state = dpkg.dpkg_state(output)
    assert set(state) == {"nvidia-smi", "libnccl2", "rccl", "rocminfo", "perftest"}
    assert state["nvidia-smi"] == {"version": "535.261.03-1~deb12u1", "selection": "h", "status": "i", "installed": True, "held": True}
    assert state["libnccl2"]["installed"] and not state["libnccl2"]["held"]  # amd64 installed, i386 not
    assert [n for n in ("rccl", "rocminfo", "perftest") if state[n]["installed"]] == []


def test_dpkg_missing_takes_any_version_from_a_list(output: str) -> None:
    assert dpkg.dpkg_missing(output, NAMES) == ["rccl", "rocminfo", "perftest", "never-heard-of"]


@pytest.mark.parametrize(
    ("pins", "missing"),
    [
        ({"libnccl2": "2.21.5-*"}, []),  # any Debian revision of the pinned upstream version
        ({"libnccl2": "2.21.4-*"}, ["libnccl2"]),
        ({"libnccl2": "2.21.5"}, ["libnccl2"]),  # a pin is the whole version, not a prefix
        ({"nvidia-smi": "535.261.03-1~deb12u1", "rccl": "2.22.3"}, ["rccl"]),
    ],
)
def test_dpkg_missing_matches_pins_against_the_whole_version(output: str, pins: dict[str, str], missing: list[str]) -> None:
    assert dpkg.dpkg_missing(output, pins) == missing


def test_dpkg_missing_applies_one_version_to_a_list(output: str) -> None:
    assert dpkg.dpkg_missing(output, ["nvidia-smi", "libnccl2"], version="535.261.03-1~deb12u1") == ["libnccl2"]


def test_dpkg_held_lists_installed_held_packages(output: str) -> None:
    assert dpkg.dpkg_held(output) == ["nvidia-smi"]


def test_dpkg_state_refuses_output_of_another_format() -> None:
    with pytest.raises(AnsibleFilterError, match="not a line of dpkg_query's output"):
        dpkg.dpkg_state("rdma-core ii \n")  # the old space-separated format


def test_dpkg_query_refuses_a_string(tmp_path: Path) -> None:
    with pytest.raises(AnsibleFilterError, match="list of package names"):
        dpkg.dpkg_query("rdma-core")
