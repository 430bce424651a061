"""node_baseline's host firewall on real lab hosts: what it lets in and from where (connections from
addresses the test adds to the lab bridge, so traffic stays on it), drift seeing a changed rule
set, and the two guards that keep Ansible from being locked out: the input check, and the
rollback of a rule set the controller cannot get through."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from ..conftest import REPO
from .conftest import Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]

HOST = "labb-ppu-01"
BRIDGE = "rklab0"
CONTROLLER = "198.18.0.1"  # the lab's gateway, inside zone laba's management range
OUTSIDER = "198.18.200.1"  # on the lab network, in no range the lab's firewall admits
MONITOR = "198.18.240.5"  # inside the lab's monitoring range (region.yml network.monitoring)


@contextlib.contextmanager
def bridge_address(address: str) -> Iterator[str]:
    """A second address of the lab gateway, to connect from; removed afterwards."""
    subprocess.run(["ip", "addr", "add", f"{address}/16", "dev", BRIDGE], check=True)
    try:
        yield address
    finally:
        subprocess.run(["ip", "addr", "del", f"{address}/16", "dev", BRIDGE], check=False)


def admits(lab: Lab, host: str, port: int, source: str) -> bool:
    """Does a new TCP connection from source reach port on host? (A drop times out.)"""
    try:
        with socket.create_connection((lab.hosts[host]["address"], port), timeout=3, source_address=(source, 0)):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def listener(lab: Lab, host: str, port: int) -> Iterator[None]:
    lab.ssh(host, f"nohup python3 -m http.server {port} >/dev/null 2>&1 & echo $! > /run/rk-listener-{port}")
    time.sleep(1)
    try:
        yield
    finally:
        lab.ssh(host, f"kill $(cat /run/rk-listener-{port}); rm -f /run/rk-listener-{port}", check=False)


def bootstrap(*args: str) -> tuple[int, dict[str, Any]]:
    proc = regionkit("bootstrap", "lab", "--format", "json", *args, check=False, timeout=900)
    return proc.returncode, json.loads(proc.stdout)


def failing_bootstrap(*args: str) -> tuple[int, str]:
    """Exit code and what the text summary says about failed hosts, whitespace folded."""
    proc = regionkit("bootstrap", "lab", *args, check=False, timeout=900)
    return proc.returncode, " ".join(proc.stderr.split())


@contextlib.contextmanager
def host_vars(host: str, values: dict[str, Any]) -> Iterator[None]:
    path = REPO / "inventories" / "lab" / "host_vars" / f"{host}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(values))
    try:
        yield
    finally:
        path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()


def test_firewall_admits_sshd_from_the_management_ranges_only(converged: Lab) -> None:
    assert admits(converged, HOST, 22, CONTROLLER)
    with bridge_address(OUTSIDER):
        assert not admits(converged, HOST, 22, OUTSIDER)


def test_firewall_admits_the_metrics_ports_from_the_monitoring_range_only(converged: Lab) -> None:
    with listener(converged, HOST, 9100), bridge_address(MONITOR):
        assert admits(converged, HOST, 9100, MONITOR)
        assert not admits(converged, HOST, 9100, CONTROLLER)  # management, not monitoring


def test_firewall_admits_other_ports_from_the_collective_ranges_only(converged: Lab) -> None:
    with listener(converged, HOST, 29555), bridge_address(OUTSIDER):
        assert admits(converged, HOST, 29555, CONTROLLER)
        assert not admits(converged, HOST, 29555, OUTSIDER)


def test_drift_sees_a_changed_rule_set(converged: Lab) -> None:
    converged.ssh(HOST, "sed -i 's/policy drop;/policy accept;/' /etc/nftables.conf")
    try:
        proc = regionkit("drift", "lab", "--layers", "config", "--format", "json", check=False, timeout=900)
        doc = json.loads(proc.stdout)
        findings = [f for r in doc["runs"] for f in r["findings"]]
        (finding,) = [f for f in findings if f["host"] == HOST]
        assert proc.returncode == 2 and finding["task"] == "Write the baseline's configuration files"
        assert (
            "(/etc/nftables.conf)" in finding["message"]
            and "-    type filter hook input priority filter; policy accept;" in finding["diff"]
        )
    finally:
        code, _ = bootstrap("--limit", HOST, "--tags", "baseline")
    assert code == 0
    assert "policy drop" in converged.ssh(HOST, "nft list chain inet regionkit input").stdout


def test_rule_set_shutting_out_the_controller_is_refused_before_it_is_written(converged: Lab) -> None:
    before = converged.ssh(HOST, "sha256sum /etc/nftables.conf").stdout
    with host_vars(HOST, {"node_baseline_firewall_ssh_sources": ["198.18.32.0/22"]}):
        code, err = failing_bootstrap("--limit", HOST, "--tags", "baseline")
    assert code == 1 and f"Ansible reaches this node from {CONTROLLER}" in err and "lock Ansible out" in err
    assert converged.ssh(HOST, "sha256sum /etc/nftables.conf").stdout == before


def test_rule_set_the_controller_cannot_get_through_is_rolled_back(converged: Lab) -> None:
    """Past the input check (the cached facts say the controller is inside the new range, as stale
    facts from another controller would), the handler's check from the controller fails, and the
    rollback gives the node back without a firewall; the next run puts the right one back."""
    facts = next((REPO / ".regionkit" / "facts" / "lab").glob(f"*{HOST}"))
    saved = facts.read_text()
    cached = json.loads(saved)
    payload = json.loads(cached["__payload__"])
    payload["ansible_env"]["SSH_CONNECTION"] = f"198.18.32.250 40000 {converged.hosts[HOST]['address']} 22"
    facts.write_text(json.dumps({**cached, "__payload__": json.dumps(payload)}))
    try:
        rollback_s = 20
        with host_vars(
            HOST, {"node_baseline_firewall_ssh_sources": ["198.18.32.0/22"], "node_baseline_firewall_rollback_s": rollback_s}
        ):
            code, err = failing_bootstrap("--limit", HOST, "--tags", "baseline")
        assert code == 1
        assert "Check that the controller still gets through the new firewall, or it is rolled back" in err
        deadline = time.monotonic() + rollback_s + 30
        while not admits(converged, HOST, 22, CONTROLLER) and time.monotonic() < deadline:
            time.sleep(1)
        assert admits(converged, HOST, 22, CONTROLLER)  # rolled back: reachable again
        state = converged.ssh(HOST, "nft list table inet regionkit; ls /etc/nftables.conf*", check=False)
        assert "No such file or directory" in state.stderr and "/etc/nftables.conf.refused" in state.stdout
    finally:
        facts.unlink()  # gathered again, truthfully, by the next run
        code, _ = bootstrap("--limit", HOST, "--tags", "baseline")
    assert code == 0
    assert "policy drop" in converged.ssh(HOST, "nft list chain inet regionkit input").stdout
    assert admits(converged, HOST, 22, CONTROLLER)


def test_converged_firewall_is_not_touched_again(converged: Lab) -> None:
    code, doc = bootstrap("--limit", HOST, "--tags", "baseline")
    assert code == 0 and doc["hosts"][HOST]["changed"] == 0
