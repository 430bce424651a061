"""The lab for tests: brought up once per session (through the CLI, as a user runs it) and
always torn down, even when tests fail. Lifecycle tests take it down first; the next test that
needs it brings it back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from regionkit.adapters.ansible.runner import CONTROL_DIR

from ..conftest import REPO

STATE = REPO / ".regionkit" / "lab"
NEEDS = ("debootstrap", "apt-cacher-ng", "ssh", "ip", "unshare", "setpriv")

pytestmark = pytest.mark.lab


def lab_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces, bridge, mounts)"
    missing = [b for b in NEEDS if shutil.which(b) is None]
    if missing:
        return f"lab tests need {', '.join(missing)}: run scripts/setup.sh"
    return None


def regionkit(*args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(REPO), *args], capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"regionkit {' '.join(args)} exit {proc.returncode}: {proc.stdout}{proc.stderr}")
    return proc


def leftovers() -> dict[str, list[str]]:
    """What a lab could leave behind on this machine."""
    marker = str(STATE.resolve())
    netns = [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split() if n.startswith("rk-")]
    links = [
        line.split(":")[1].strip().split("@")[0]
        for line in subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout.splitlines()
        if line.split(":")[1].strip().startswith(("rklab", "rkv", "rkp"))
    ]
    mounts = [ln.split()[1] for ln in Path("/proc/self/mounts").read_text().splitlines() if marker in ln.split()[1]]
    procs, masters = [], []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                procs.append(entry.name)
            if cmdline.startswith(f"ssh: {CONTROL_DIR}/".encode()):  # a bootstrap run's ControlPersist master
                masters.append(entry.name)
    # The hosts' cgroup subtrees, where the machine shows its name=systemd hierarchy.
    mounted = [ln.split() for ln in Path("/proc/self/mounts").read_text().splitlines()]
    hierarchies = [m[1] for m in mounted if m[2] == "cgroup2" or "name=systemd" in m[3]]
    cgroups = [str(p) for h in hierarchies for p in Path(h, "regionkit-lab").glob("*")]
    found = {"netns": netns, "links": links, "mounts": mounts, "processes": procs, "cgroups": cgroups, "ssh_masters": masters}
    return {k: v for k, v in found.items() if v}


@dataclass
class Lab:
    up: bool = False
    hosts: dict[str, dict[str, str]] = field(default_factory=dict)
    s3: dict[str, str] = field(default_factory=dict)
    gateway: str = ""
    first_converge: dict[str, object] | None = None  # bootstrap's JSON from the first converge

    def ensure_converged(self) -> Lab:
        self.ensure_up()
        if self.first_converge is None:
            regionkit("mirror", "sync", "lab")
            proc = regionkit("bootstrap", "lab", "--format", "json", check=False, timeout=900)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            self.first_converge = json.loads(proc.stdout)
        return self

    def ensure_up(self) -> Lab:
        if not self.up:
            regionkit("lab", "up")
            regionkit("handover", "lab")  # only accepted servers go on: bootstrap and verify need it
            state = json.loads((STATE / "state.json").read_text())
            self.hosts, self.s3, self.gateway, self.up = state["hosts"], state["s3"], state["gateway"], True
        return self

    def ensure_down(self) -> None:
        regionkit("lab", "down")
        self.up = False
        self.first_converge = None

    def ssh(self, host: str, command: str, known_hosts: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [
                "ssh", "-i", str(STATE / "id_ed25519"),
                "-o", f"UserKnownHostsFile={known_hosts or STATE / 'known_hosts'}",
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                f"root@{self.hosts[host]['address']}", command,
            ],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"ssh {host} {command!r}: exit {proc.returncode}: {proc.stderr}")
        return proc


@pytest.fixture(scope="session")
def lab_session() -> Iterator[Lab]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    session = Lab()
    session.ensure_down()  # start from a clean machine, whatever a previous run left
    try:
        yield session
    finally:
        session.ensure_down()  # always, whatever the tests did


@pytest.fixture
def lab(lab_session: Lab) -> Lab:
    return lab_session.ensure_up()


@pytest.fixture
def converged(lab_session: Lab) -> Lab:
    """A lab after `regionkit mirror sync lab` and one `regionkit bootstrap lab`."""
    return lab_session.ensure_converged()


@pytest.fixture
def lab_absent(lab_session: Lab) -> Iterator[None]:
    lab_session.ensure_down()
    assert leftovers() == {}
    yield
    lab_session.up = bool(json.loads((STATE / "state.json").read_text()).get("hosts")) if (STATE / "state.json").exists() else False
    lab_session.first_converge = None
