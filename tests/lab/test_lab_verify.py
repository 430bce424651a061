"""`regionkit verify` on the lab: a converged lab verifies clean at levels 0, 1 and 3 (L2 is
"not verified: no device", never passed), and breaking something fails the right check."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..conftest import REPO
from .conftest import Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def verify(*args: str) -> tuple[int, dict[str, Any]]:
    proc = regionkit("verify", "lab", "--format", "json", *args, check=False, timeout=900)
    return proc.returncode, json.loads(proc.stdout)


def outcomes(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(h["name"], c["name"]): c["outcome"] for h in doc["hosts"] for c in h["checks"]}


def test_verify_converged_lab_is_clean(converged: Lab) -> None:
    code, doc = verify()
    bad = [(h["name"], c["name"], c["detail"]) for h in doc["hosts"] for c in h["checks"] if c["outcome"] in ("failed", "unreachable")]
    assert code == 0, (bad, doc["collective"])
    got = outcomes(doc)
    assert all(v in ("passed", "not verified") for v in got.values())
    for host in converged.hosts:  # no device in the lab: L2 is not verified, never passed
        assert got[(host, "l2_devices_present_and_healthy")] == "not verified"
        assert got[(host, "l0_mirror_is_the_only_package_source")] == "passed"
        assert got[(host, "l1_pinned_runtime")] == "passed"
    # ... and the headline says so: the lab's hosts have no devices by design (their inventory says it)
    assert doc["verdict"] == "PASSED (devices not checked: no devices by design)"
    assert doc["devices_not_checked"] == sorted(p["name"] for p in doc["pools"] if p["hosts"])  # every pool; not L3's "(all hosts)"
    c = doc["collective"]
    assert c["world"] == 4 and c["passed"] and c["link_gbps"] > 0
    assert c["floor_source"].endswith("of the measured link throughput")
    report = Path(doc["report"]).read_text()
    assert "Collective bandwidth (L3)" in report and "<svg" in report and "not verified" in report
    assert "**Result: PASSED (devices not checked: no devices by design)**" in report and "**Devices not checked** in" in report


def test_verify_fails_the_collective_over_a_slow_link(converged: Lab) -> None:
    """One host's link shaped to 400 Mbit/s (tc tbf on its bridge port): the ring's median flow
    stays near the others, the all-reduce is held to the slow link, and L3 fails on the floor."""
    veth = converged.hosts["labb-ppu-01"]["veth"]
    subprocess.run(["tc", "qdisc", "add", "dev", veth, "root", "tbf", "rate", "400mbit", "burst", "64kb", "latency", "50ms"],
                   check=True)  # fmt: skip
    try:
        code, doc = verify("--level", "3")
    finally:
        subprocess.run(["tc", "qdisc", "del", "dev", veth, "root"], check=True)
    failed = {k for k, v in outcomes(doc).items() if v == "failed"}
    assert (code, failed) == (1, {("(all hosts)", "l3_allreduce_across_hosts")})
    c = doc["collective"]
    assert not c["passed"] and c["peak"] < c["floor_gbps"] and min(c["link_flows_gbps"]) < c["link_gbps"] / 4


@pytest.mark.parametrize(
    ("host", "breakage", "check"),
    [
        ("labb-ppu-01", "systemctl stop dbus.socket dbus.service", "l1_services_running (dbus)"),
        ("labb-amd-01", "apt-mark unhold rccl && dpkg -r --force-depends rccl", "l1_pinned_runtime"),
        ("laba-nv-01", "sed -i s/NCCL_SOCKET_IFNAME=eth0/NCCL_SOCKET_IFNAME=ib0/ /etc/nccl.conf", "l1_collectives_config"),
        ("laba-asc-01", "echo 'deb http://198.18.0.1:3142/other bookworm main' > /etc/apt/sources.list.d/extra.list",
         "l0_mirror_is_the_only_package_source"),
    ],
)  # fmt: skip
def test_verify_finds_what_was_broken(converged: Lab, host: str, breakage: str, check: str) -> None:
    converged.ssh(host, breakage)
    try:
        code, doc = verify("--level", "1")
        got = outcomes(doc)
        assert code == 1
        assert got[(host, check)] == "failed"
        failed = [k for k, v in got.items() if v == "failed"]
        assert failed == [(host, check)], failed  # only the broken thing
    finally:
        regionkit("bootstrap", "lab", "--limit", host, check=False, timeout=600)
        converged.ssh(host, "systemctl start dbus.socket dbus.service")


def test_verify_l2_reads_a_device_tool_through_the_parsers(converged: Lab) -> None:
    """The lab has no NPU. To run L2's code path for real, one host gets a device node and an
    `npu-smi` stand-in that prints a real capture (tests/fixtures/real/ascend). This proves the
    wiring (command, parser, pool expectations, report), not any hardware."""
    host = "laba-asc-01"
    real = Path(__file__).parents[1] / "fixtures" / "real" / "ascend"
    captures = {
        "16": (real / "npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt").read_bytes(),
        "8": (real / "npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt").read_bytes(),
    }
    try:
        for name, text in captures.items():
            converged.ssh(host, f"echo {base64.b64encode(text).decode()} | base64 -d > /usr/local/lib/npu-smi-{name}.txt")
        converged.ssh(host, "touch /dev/davinci0 && printf '#!/bin/sh\\ncat /usr/local/lib/npu-smi-16.txt\\n' > /usr/local/bin/npu-smi"
                      " && chmod 755 /usr/local/bin/npu-smi")  # fmt: skip
        code, doc = verify("--level", "2", "--limit", host)
        details = {c["name"]: c for h in doc["hosts"] for c in h["checks"]}
        assert code == 1
        npus = details["l2_devices_present_and_healthy"]
        assert (npus["outcome"], npus["verdict"], npus["actions"]) == ("failed", "fail", ["drain"])
        assert npus["detail"] == "npu-smi: 16 devices visible, the pool expects 8"
        assert details["l2_driver_loaded"]["outcome"] == "failed"  # no drv_davinci_intf module here
        assert details["l2_driver_loaded"]["actions"] == ["reboot"]
        converged.ssh(host, "sed -i s/npu-smi-16/npu-smi-8/ /usr/local/bin/npu-smi")
        code, doc = verify("--level", "2", "--limit", host)
        assert outcomes(doc)[(host, "l2_devices_present_and_healthy")] == "passed"
        assert doc["devices_not_checked"] == []  # the devices were read
    finally:
        converged.ssh(host, "rm -f /dev/davinci0 /usr/local/bin/npu-smi /usr/local/lib/npu-smi-*.txt")


def test_verify_fails_a_host_whose_pool_claims_devices_it_does_not_have(converged: Lab) -> None:
    """Fail closed. Without the lab's "no devices by design", a lab host is what a real node with a
    driver that never loaded looks like: its pool declares 8 GPUs and it has none. L2 fails with the
    recommended action, the headline is a bare FAILED, and drift's health layer leads with the action."""
    host = "laba-nv-01"
    host_vars = REPO / "inventories" / "lab" / "host_vars"
    created = not host_vars.exists()
    host_vars.mkdir(exist_ok=True)
    (host_vars / f"{host}.yml").write_text(f"# written by {__name__}; removed when it ends\nregionkit_no_devices_by_design: false\n")
    try:
        code, doc = verify("--level", "2", "--limit", host)
        checks = {c["name"]: c for h in doc["hosts"] for c in h["checks"]}
        assert (code, doc["verdict"], doc["devices_not_checked"]) == (1, "FAILED", [])
        present = checks["l2_devices_present_and_healthy"]
        assert (present["outcome"], present["verdict"], present["actions"]) == ("failed", "fail", ["drain"])
        assert present["detail"] == "no device: /dev/nvidia0 is missing; the pool declares 8 per server"
        assert checks["l2_driver_loaded"]["outcome"] == checks["l2_persistence_mode"]["outcome"] == "failed"
        assert checks["l2_no_xid_or_fallen_gpu"]["outcome"] == "failed"  # no NVRM line: nothing shows a driver that loaded
        assert not any(c["by_design"] for c in checks.values())
        proc = regionkit("drift", "lab", "--layers", "health", "--limit", host, "--format", "json", check=False, timeout=600)
        findings = {f["item"]: f for r in json.loads(proc.stdout)["runs"] for f in r["findings"]}
        assert proc.returncode == 2
        assert findings["l2_devices_present_and_healthy"]["reconcile"] == (
            f"drain {host} and investigate, then: regionkit verify lab --level 2 --limit {host}"
        )
    finally:
        (host_vars / f"{host}.yml").unlink()
        if created:
            host_vars.rmdir()
    code, doc = verify("--level", "2", "--limit", host)
    assert (code, doc["verdict"]) == (0, "PASSED (devices not checked: no devices by design)")
