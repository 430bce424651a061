"""The inventory plan: groups by region, zone and pool; pool variables on the pool's group;
addresses on the hosts; the region's mirror and package source and the connection on `all`."""

from __future__ import annotations

from regionkit.catalog.load import load_catalog
from regionkit.planning.inventory import plan_inventory
from regionkit.planning.lab import lab_outputs, plan_lab

from ...conftest import REPO

OUTPUTS = lab_outputs(plan_lab(load_catalog(REPO)))


def test_groups_are_region_zones_and_pools() -> None:
    doc = plan_inventory(OUTPUTS, {"ansible_user": "root"}, "test").document()
    zones = doc["all"]["children"]["lab"]["children"]
    assert sorted(zones) == ["laba", "labb"]
    assert sorted(zones["laba"]["children"]) == ["laba_asc", "laba_nv"]
    nv = zones["laba"]["children"]["laba_nv"]
    assert nv["vars"]["regionkit_accelerator_vendor"] == "nvidia" and nv["vars"]["regionkit_software"]["driver"] == "535.261.03"
    assert nv["hosts"]["laba-nv-01"]["ansible_host"] == "198.18.0.11"


def test_all_carries_the_region_mirror_package_source_and_connection() -> None:
    plan = plan_inventory(OUTPUTS, {"ansible_user": "root"}, "test")
    variables = plan.document()["all"]["vars"]
    assert variables["regionkit_region"] == "lab" and variables["ansible_user"] == "root"
    assert variables["regionkit_apt_mirror"] == "http://198.18.0.1:3142"
    assert variables["regionkit_mirror_endpoint"] == "http://198.18.0.1:9000" and variables["regionkit_mirror_region"]
    assert plan.pool_of == {"laba-nv-01": "laba_nv", "laba-asc-01": "laba_asc", "labb-ppu-01": "labb_ppu", "labb-amd-01": "labb_amd"}
