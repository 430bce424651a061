"""Node bring-up on the lab, as a user runs it: `regionkit mirror sync lab` then
`regionkit bootstrap lab`. Assertions read the runner's stats (--format json), not text."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from regionkit.adapters.storage.s3 import MirrorEndpoint, put_object

from ..conftest import REPO
from .conftest import Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def bootstrap(*args: str) -> tuple[int, dict[str, Any]]:
    proc = regionkit("bootstrap", "lab", "--format", "json", *args, check=False, timeout=900)
    return proc.returncode, json.loads(proc.stdout)


def changed(doc: dict[str, Any]) -> dict[str, int]:
    return {h: v["changed"] for h, v in doc["hosts"].items()}


def test_bootstrap_first_converge_changes_every_host(converged: Lab) -> None:
    doc = converged.first_converge
    assert doc is not None and doc["exit_code"] == 0
    assert all(v > 0 for v in changed(doc).values())  # type: ignore[arg-type]


def test_bootstrap_second_converge_changes_nothing(converged: Lab) -> None:
    code, doc = bootstrap()
    assert code == 0
    assert len(doc["hosts"]) == 4
    assert changed(doc) == {h: 0 for h in converged.hosts}
    assert all(v["failed"] == 0 and v["unreachable"] == 0 for v in doc["hosts"].values())


def test_bootstrap_check_on_converged_lab_reports_no_change(converged: Lab) -> None:
    code, doc = bootstrap("--check")
    assert code == 0 and doc["check"] is True
    assert changed(doc) == {h: 0 for h in converged.hosts}


def test_bootstrap_installed_what_each_vendor_needs(converged: Lab) -> None:
    checks = {
        "laba-nv-01": (
            "dpkg-query -W -f='${Version} ${Status}' nvidia-smi; apt-mark showhold",
            ["535.261.03", "hold ok installed", "nvidia-smi"],
        ),
        "laba-asc-01": (
            "cd /usr/local/Ascend && cat driver/version.info ascend-toolkit/8.1.RC1/version.cfg; id HwHiAiUser",
            ["Version=25.0.rc1", "Version=8.1.RC1", "HwHiAiUser"],
        ),
        "labb-ppu-01": ("ppu-smi --version", ["1.6.2"]),
        "labb-amd-01": ("rocminfo; dpkg-query -W rccl; apt-mark showhold", ["6.4.0", "2.22.3", "rccl"]),
    }
    for host, (command, expected) in checks.items():
        out = converged.ssh(host, command).stdout
        for text in expected:
            assert text in out, (host, text, out)
    for host in converged.hosts:
        out = converged.ssh(host, "cat /etc/apt/sources.list.d/*.sources; python3 -c 'import torch; print(torch.__version__)'").stdout
        assert "URIs: http://198.18.0.1:3142/debian" in out and "1.13" in out


def test_bootstrap_looks_for_devices_on_the_node_not_the_controller(converged: Lab) -> None:
    """The device checks stat the node's /dev: a device node there turns the hardware step on."""

    def outcomes(run_dir: str) -> dict[str, str]:
        events = [json.loads(p.read_text()) for p in Path(run_dir).glob("artifacts/*/job_events/*.json")]
        return {
            e["event_data"]["task"]: e["event"]
            for e in events
            if e["event"] in ("runner_on_ok", "runner_on_skipped") and e["event_data"].get("role") == "amd_rocm"
        }

    host = "labb-amd-01"
    code, doc = bootstrap("--limit", host, "--tags", "accelerator")
    assert code == 0 and outcomes(doc["run_dir"])["List the GPUs"] == "runner_on_skipped"
    converged.ssh(host, "touch /dev/kfd")  # the lab's rocm-smi stand-in answers without a device
    try:
        code, doc = bootstrap("--limit", host, "--tags", "accelerator")
        seen = outcomes(doc["run_dir"])
        assert code == 0 and seen["List the GPUs"] == "runner_on_ok"
        assert seen["Say why the device check is skipped"] == "runner_on_skipped"
    finally:
        converged.ssh(host, "rm -f /dev/kfd")


def test_bootstrap_refuses_a_tampered_artifact(converged: Lab) -> None:
    s3 = converged.s3
    keys = {"AWS_ACCESS_KEY_ID": s3["access_key"], "AWS_SECRET_ACCESS_KEY": s3["secret_key"]}
    endpoint = MirrorEndpoint(f"http://{converged.gateway}:9000", s3["bucket"], credentials=keys)
    host = "labb-ppu-01"
    key = "artifacts/ppu-sdk/1.6.2/PPU_SDK_1.6.2_linux_x86_64.run"
    put_object(endpoint, key, b"#!/bin/sh\necho tampered\n")
    converged.ssh(host, "rm -rf /var/cache/regionkit/PPU_SDK_1.6.2_linux_x86_64.run /opt/t-head/ppu")
    try:
        proc = regionkit("bootstrap", "lab", "--limit", host, "--tags", "accelerator", check=False, timeout=600)
        assert proc.returncode == 1
        assert "does not match the sha256" in proc.stderr and "tampered with" in proc.stderr
        assert converged.ssh(host, "test -e /opt/t-head/ppu", check=False).returncode == 1  # nothing installed
    finally:
        regionkit("mirror", "sync", "lab")
        code, _ = bootstrap("--limit", host)
        assert code == 0


def test_bootstrap_unreachable_host_does_not_stop_the_others(converged: Lab) -> None:
    victim = "labb-amd-01"
    veth = converged.hosts[victim]["veth"]
    converged.ssh("laba-nv-01", "rm -f /usr/local/lib/regionkit/allreduce_bench.py")  # work for the others
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionkit", "--root", str(REPO), "bootstrap", "lab", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(4)
        subprocess.run(["ip", "link", "set", veth, "down"], check=True)
        out, _ = proc.communicate(timeout=600)
    finally:
        subprocess.run(["ip", "link", "set", veth, "up"], check=True)
    doc = json.loads(out)
    assert proc.returncode == 3 and doc["exit_code"] == 3
    assert doc["hosts"][victim]["unreachable"] > 0
    others = {h: v for h, v in doc["hosts"].items() if h != victim}
    assert all(v["failed"] == 0 and v["unreachable"] == 0 for v in others.values())
    assert converged.ssh("laba-nv-01", "test -x /usr/local/lib/regionkit/allreduce_bench.py").returncode == 0
    code, _ = bootstrap()
    assert code == 0


def test_bootstrap_survives_sigkill_and_reconverges(converged: Lab) -> None:
    converged.ssh(
        "labb-ppu-01",
        "rm -rf /opt/t-head/ppu /usr/local/bin/ppu-smi /etc/nccl.conf /etc/profile.d/regionkit-collectives.sh",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionkit", "--root", str(REPO), "bootstrap", "lab", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    time.sleep(random.uniform(3, 15))
    os.killpg(proc.pid, signal.SIGKILL)  # regionkit and the ansible-playbook it runs
    proc.wait()
    code, doc = bootstrap()
    assert code == 0, doc
    code, doc = bootstrap()
    assert code == 0 and changed(doc) == {h: 0 for h in converged.hosts}
