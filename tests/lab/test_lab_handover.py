"""Handover against the lab's BMCs: one emulated Redfish BMC per lab host on the lab bridge, its
identity from inventories/lab/region.yml, its power actions stopping and starting the host. A
fresh lab is accepted whole; each fault kind of `regionkit lab fault` is rejected with its reason
(walked on one host, one lab); an edited serial, an unlisted BMC and the held-back hosts follow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import urllib3

from regionkit.adapters.redfish.emulator import FAULTS, BmcFleet, EmulatedBmc, identity_from_manifest, private_cert_dir
from regionkit.catalog.load import load_catalog

from ..conftest import REPO
from .conftest import STATE, Lab, regionkit

pytestmark = pytest.mark.lab
HOST = "laba-nv-01"
BMC = ("198.18.4.11", 443)

# fault -> (the reason it must give, the exit code)
EXPECTED = {
    "unreachable": ("unreachable", 3),
    "busy": (None, 0),  # transient 503s: retried, then accepted
    "auth": ("auth_refused", 1),
    "tls": ("tls_changed", 1),
    "serial": ("serial", 1),
    "mac": ("mac", 1),
    "model": ("model", 1),
    "accelerators": ("accelerators", 1),
    "firmware": ("firmware", 1),
    "bios": ("bios", 1),
    "power": ("power", 1),
    "health": ("health", 1),
}


def handover(*args: str, root: Path = REPO) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(root), "handover", "lab", "--format", "json", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.stdout.startswith("{"), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_a_fresh_lab_is_accepted_whole(lab: Lab) -> None:
    code, doc = handover()
    assert code == 0, doc
    assert {s["server"]: s["verdict"] for s in doc["servers"]} == dict.fromkeys(lab.hosts, "accepted")
    assert doc["unlisted"] == [] and doc["swept"] == 2 * (1024 - 12)  # both zones' BMC ranges, less reserved
    assert "regionkit lab: emulated Redfish BMCs" in Path(doc["report"]).read_text()


def test_every_fault_kind_is_rejected_with_its_reason(lab: Lab) -> None:
    assert set(EXPECTED) == set(FAULTS)
    seen = {}
    try:
        for fault in EXPECTED:
            regionkit("lab", "fault", HOST, fault)
            got, doc = handover("--limit", HOST)
            (server,) = doc["servers"]
            seen[fault] = (got, [r["kind"] for r in server["reasons"]])
            regionkit("lab", "fault", HOST, fault, "--off")
    finally:
        regionkit("lab", "fault", HOST, "all", "--off")
    assert seen == {f: (code, [kind] if kind else []) for f, (kind, code) in EXPECTED.items()}
    assert handover("--limit", HOST)[0] == 0  # the BMC is itself again, its pinned certificate too


def test_rejected_hosts_are_held_back_from_bootstrap_and_verify(lab: Lab) -> None:
    regionkit("lab", "fault", HOST, "firmware")
    try:
        assert handover("--limit", HOST)[0] == 1
        for use_case in ("bootstrap", "verify"):
            proc = regionkit(use_case, "lab", "--limit", HOST, check=False)
            assert proc.returncode == 1
            assert "every host of --limit is held back at handover" in proc.stderr and "below the baseline" in proc.stderr
        hosts_yml = (REPO / "inventories" / "lab" / "hosts.yml").read_text()
        assert "regionkit_held_back:" in hosts_yml and "rejected at handover" in hosts_yml
    finally:
        regionkit("lab", "fault", HOST, "firmware", "--off")
        assert handover("--limit", HOST)[0] == 0


def test_a_changed_serial_in_the_lab_manifest_rejects_that_server(lab: Lab, tmp_path: Path) -> None:
    """inventories/lab/region.yml, in a copy of the catalog (the repository's stays as it is),
    with one server's serial changed; the lab's BMCs still report the serial they were started with."""
    shutil.copytree(REPO / "inventories", tmp_path / "inventories", ignore=shutil.ignore_patterns("hosts.yml"))
    secret = STATE / "bmc" / "factory-password"
    (tmp_path / ".regionkit/lab/bmc").mkdir(parents=True, mode=0o700)
    shutil.copy2(secret, tmp_path / ".regionkit/lab/bmc/factory-password")
    region = tmp_path / "inventories/lab/region.yml"
    region.write_text(region.read_text().replace("serial: RK-LABB-PPU-01", "serial: RK-LABB-PPU-99"))
    code, doc = handover(root=tmp_path)
    assert code == 1
    bad = [s for s in doc["servers"] if s["verdict"] != "accepted"]
    assert [s["server"] for s in bad] == ["labb-ppu-01"]
    assert bad[0]["reasons"][0]["kind"] == "serial" and "RK-LABB-PPU-99" in bad[0]["reasons"][0]["message"]


def test_an_unlisted_bmc_on_the_lab_bmc_range_is_reported(lab: Lab) -> None:
    catalog = load_catalog(REPO)
    entry = catalog.regions["lab"].pools[0].handover[0]
    identity = identity_from_manifest(entry, catalog.servers.models[entry.model], username="x", password="y" * 8, port=443)
    identity.name, identity.address = "rogue", "198.18.4.99"
    certs = private_cert_dir()
    subprocess.run(["ip", "addr", "add", "198.18.4.99/32", "dev", "rklab0"], check=True)
    try:
        with BmcFleet([EmulatedBmc(identity, certs)]):
            code, doc = handover("--zone", "laba")
    finally:
        subprocess.run(["ip", "addr", "del", "198.18.4.99/32", "dev", "rklab0"], check=False)
        shutil.rmtree(certs, ignore_errors=True)
    assert code == 1 and [u["server"] for u in doc["unlisted"]] == ["198.18.4.99"]
    assert {s["verdict"] for s in doc["servers"]} == {"accepted"}


def _reset(reset: str) -> int:
    password = (STATE / "bmc" / "factory-password").read_text().splitlines()[0]
    pool = urllib3.HTTPSConnectionPool(*BMC, cert_reqs="CERT_NONE", assert_hostname=False, retries=False)
    headers = urllib3.make_headers(basic_auth=f"ADMIN:{password}")
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):  # a lab BMC's self-signed certificate
        resp = pool.request("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", json={"ResetType": reset}, headers=headers)
    return resp.status


def test_bmc_power_actions_stop_and_start_the_lab_host(lab: Lab) -> None:
    assert _reset("ForceOff") == 204
    status = json.loads(regionkit("lab", "status", "--format", "json", check=False).stdout)
    assert {h["name"]: h["running"] for h in status["hosts"]}[HOST] is False
    assert lab.ssh(HOST, "true", check=False).returncode != 0
    assert handover("--limit", HOST)[0] == 0  # a server handed over powered off is fine
    assert _reset("On") == 204
    deadline = time.monotonic() + 90
    while lab.ssh(HOST, "true", check=False).returncode != 0:
        assert time.monotonic() < deadline, "the host did not boot again within 90 s"
        time.sleep(1)
    assert lab.ssh(HOST, "hostname").stdout.strip() == HOST  # same host, same pinned host key
    status = json.loads(regionkit("lab", "status", "--format", "json").stdout)
    assert all(h["running"] and h["ssh"] and h["bmc_ok"] for h in status["hosts"])
