"""`regionkit drift lab` (config and health layers; the lab has no cloud stack): no false
positives on a converged lab, every injected kind of drift found and attributed to its host and
role with exit 2, and an unreachable host reported as such with exit 3."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from .conftest import STATE, Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def drift(*args: str) -> tuple[int, dict[str, Any]]:
    proc = regionkit("drift", "lab", "--layers", "config,health", "--format", "json", *args, check=False, timeout=900)
    assert proc.returncode in (0, 2, 3), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def found(doc: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(r["layer"], f["host"], f["role"], f["task"] or f["item"]) for r in doc["runs"] for f in r["findings"]}


def test_converged_lab_has_no_drift_in_repeated_runs(converged: Lab) -> None:
    for _ in range(2):
        code, doc = drift()
        assert (code, found(doc)) == (0, set())
        assert {r["layer"]: r["status"] for r in doc["runs"]} == {"config": "clean", "health": "clean"}
        health = next(r for r in doc["runs"] if r["layer"] == "health")
        assert len(health["checked"]) > 0
        # what the lab cannot show is "not verified", never clean: its devices (none, by design: L2), the
        # clock is the machine's (L0)
        assert all(" L2 " in n or "l0_time_sync" in n for n in health["not_verified"]), health["not_verified"]
        assert sum("no devices by design" in n for n in health["not_verified"]) >= len(converged.hosts)


INJECTED = {
    "edited managed file": ("laba-nv-01", "sed -i s/NCCL_SOCKET_IFNAME=eth0/NCCL_SOCKET_IFNAME=ib0/ /etc/nccl.conf"),
    "stopped service": ("labb-ppu-01", "systemctl stop dbus.socket dbus.service"),
    "removed pinned package": ("labb-amd-01", "apt-mark unhold rccl && dpkg -r --force-depends rccl"),
    "changed kernel parameter": ("laba-asc-01", "sed -i 's/rmem_max = 268435456/rmem_max = 4194304/' /etc/sysctl.d/90-regionkit.conf"),
    "extra apt source": ("laba-asc-01", "echo 'deb http://198.18.0.1:3142/other bookworm main' > /etc/apt/sources.list.d/extra.list"),
}
EXPECTED = {
    ("config", "laba-nv-01", "collectives", "Configure the collective library"),
    ("health", "laba-nv-01", "collectives", "l1_collectives_config"),
    ("config", "labb-ppu-01", "node_baseline", "Keep the base services running"),
    ("health", "labb-ppu-01", "node_baseline", "l1_services_running (dbus)"),
    ("config", "labb-amd-01", "amd_rocm", "Install the ROCm packages"),
    ("config", "labb-amd-01", "amd_rocm", "Hold the ROCm packages at the pin"),
    ("health", "labb-amd-01", "accelerator_node", "l1_pinned_runtime"),
    ("config", "laba-asc-01", "node_baseline", "Write the baseline's configuration files"),
    ("health", "laba-asc-01", "node_baseline", "l0_kernel_parameters"),
    ("config", "laba-asc-01", "node_baseline", "Remove other apt sources"),
    ("health", "laba-asc-01", "node_baseline", "l0_mirror_is_the_only_package_source"),
}


def test_injected_drift_is_found_and_attributed(converged: Lab) -> None:
    try:
        for host, command in INJECTED.values():
            converged.ssh(host, command)
        code, doc = drift()
        assert code == 2
        assert found(doc) == EXPECTED  # each kind, on its host and role, and nothing else
        by_task = {f["task"]: f for r in doc["runs"] for f in r["findings"] if f["task"]}
        nccl, files = by_task["Configure the collective library"], by_task["Write the baseline's configuration files"]
        assert "-NCCL_SOCKET_IFNAME=ib0\n+NCCL_SOCKET_IFNAME=eth0" in nccl["diff"] and "(/etc/nccl.conf)" in nccl["message"]
        assert "-net.core.rmem_max = 4194304" in files["diff"]
        assert "(/etc/sysctl.d/90-regionkit.conf) would change" in files["message"]  # the one file of the loop that drifted
        assert nccl["reconcile"] == "regionkit bootstrap lab --limit laba-nv-01 --tags collectives"
        state = json.loads((STATE / "state.json").read_text())
        assert state["s3"]["secret_key"] not in json.dumps(doc)
    finally:
        converged.ssh("labb-ppu-01", "systemctl start dbus.socket dbus.service", check=False)
        regionkit("bootstrap", "lab", check=False, timeout=900)
    code, doc = drift()
    assert (code, found(doc)) == (0, set())  # reconciled by the commands the findings named


def test_unreachable_host_is_exit_3_not_drift(converged: Lab) -> None:
    victim = "labb-amd-01"
    veth = converged.hosts[victim]["veth"]
    subprocess.run(["ip", "link", "set", veth, "down"], check=True)
    try:
        code, doc = drift()
    finally:
        subprocess.run(["ip", "link", "set", veth, "up"], check=True)
    assert code == 3
    kinds = {(r["layer"], f["host"], f["kind"]) for r in doc["runs"] for f in r["findings"]}
    assert ("config", victim, "unreachable") in kinds
    assert all(kind == "unreachable" for _, host, kind in kinds if host == victim)
    assert all(host == victim for _, host, _ in kinds), kinds  # the others: no drift
