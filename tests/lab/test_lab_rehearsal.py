"""Rehearse a cloud region on lab stand-ins, as the README shows it: `lab up --region R`, `deploy R`,
`drift R --layers config,health` clean, then an injected change found; for an AWS region
(br-sao-1) and an Alibaba Cloud one (de-fra-1). One stand-in per pool keeps the added time small."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest

from ..conftest import REPO
from .conftest import STATE, Lab, regionkit

pytestmark = [pytest.mark.lab, pytest.mark.slow]

# region -> (the NVIDIA stand-in whose collectives config is edited, the groups its pools become)
REGIONS = {
    "br-sao-1": ("br-sao-1a-l20-01", ["br_sao_1a_l20", "br_sao_1a_ppu"]),
    "de-fra-1": ("de-fra-1a-h20a-01", ["de_fra_1a_h20a", "de_fra_1b_h20b", "de_fra_1b_ppu"]),
}


def committed(region: str) -> dict[str, str]:
    folder = REPO / "inventories" / region
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def drift(region: str) -> tuple[int, dict[str, Any]]:
    proc = regionkit("drift", region, "--layers", "config,health", "--format", "json", check=False, timeout=900)
    assert proc.returncode in (0, 2, 3), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("region", list(REGIONS))
def test_a_cloud_region_is_rehearsed_on_lab_stand_ins(lab_session: Lab, region: str) -> None:
    host, groups = REGIONS[region]
    before = committed(region)
    timings: dict[str, float] = {}
    lab_session.ensure_down()
    try:
        t = time.monotonic()
        up = json.loads(regionkit("lab", "up", "--region", region, "--format", "json").stdout)
        timings["lab up"] = time.monotonic() - t
        lab_session.up = False  # the lab's own hosts are not up: the next lab test brings them back
        state = json.loads((STATE / "state.json").read_text())
        lab_session.hosts = state["hosts"]
        assert up["region"] == region and up["stands_in"] is True
        assert all(h["address"].startswith("198.18.") for h in up["hosts"].values())  # lab addresses, never the region's
        status = json.loads(regionkit("lab", "status", "--format", "json").stdout)
        assert status["stands_for"] == region

        t = time.monotonic()
        proc = regionkit("deploy", region, "--format", "json", check=False, timeout=1800)
        timings["deploy"] = time.monotonic() - t
        doc = json.loads(proc.stdout)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        assert [s["name"] for s in doc["stages"]] == ["validate", "inventory", "mirror sync", "bootstrap", "verify"]
        assert doc["notes"] == [f"`up` is stood in for: lab hosts hold {region}'s pools"]
        timings.update({s["name"]: s["seconds"] for s in doc["stages"]})
        report = doc["verify"]
        assert report["region"] == region and report["exit_code"] == 0 and report["totals"]["failed"] == 0
        assert report["totals"]["passed"] > 0 and report["collective"]["passed"]
        assert sorted({h["pool"] for h in report["hosts"]} - {"-"}) == groups  # the region's own groups

        rehearsal = REPO / ".regionkit" / "rehearsals" / region
        assert (rehearsal / "hosts.yml").is_file() and (rehearsal / "group_vars" / "all" / "artifacts.yml").is_file()
        assert not (REPO / "inventories" / region / "hosts.yml").exists()
        assert committed(region) == before  # the region's committed overrides and pins are untouched

        t = time.monotonic()
        code, clean = drift(region)
        timings["drift (clean)"] = time.monotonic() - t
        assert (code, [f for r in clean["runs"] for f in r["findings"]]) == (0, [])
        assert {r["layer"]: r["status"] for r in clean["runs"]} == {"config": "clean", "health": "clean"}

        lab_session.ssh(host, "sed -i s/NCCL_SOCKET_IFNAME=eth0/NCCL_SOCKET_IFNAME=ib0/ /etc/nccl.conf")
        code, found = drift(region)
        where = {(r["layer"], f["host"], f["role"]) for r in found["runs"] for f in r["findings"]}
        assert code == 2 and where == {("config", host, "collectives"), ("health", host, "collectives")}
        reconcile = {f["reconcile"] for r in found["runs"] for f in r["findings"] if r["layer"] == "config"}
        assert reconcile == {f"regionkit bootstrap {region} --limit {host} --tags collectives"}
    finally:
        print(f"\nrehearsal {region}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        lab_session.ensure_down()
    assert not (REPO / ".regionkit" / "rehearsals" / region / "hosts.yml").exists()  # lab down removes the inventory
    assert committed(region) == before
