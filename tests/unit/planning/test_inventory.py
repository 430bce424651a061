"""The inventory plan: groups by region, zone and pool; pool variables on the pool's group;
addresses on the hosts; the region's mirror and package source and the connection on `all`."""

from __future__ import annotations

import pytest

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


def test_held_back_hosts_get_a_group_that_says_why() -> None:
    plan = plan_inventory(OUTPUTS, {}, "test", {"laba-nv-01": "rejected at handover: serial", "not-a-host": "x"})
    assert plan.skipped == {"laba-nv-01": "rejected at handover: serial"}  # only hosts the outputs list
    held = plan.document()["all"]["children"]["regionkit_held_back"]["hosts"]
    assert held == {"laba-nv-01": {"regionkit_held_back_reason": "rejected at handover: serial"}}
    assert plan.going_on == ["laba-asc-01", "labb-amd-01", "labb-ppu-01"]
    assert "regionkit_held_back" not in plan_inventory(OUTPUTS, {}, "test").document()["all"]["children"]


@pytest.mark.parametrize(
    ("pattern", "hosts"),
    [
        (None, ["laba-asc-01", "laba-nv-01", "labb-amd-01", "labb-ppu-01"]),
        ("laba-nv-01", ["laba-nv-01"]),
        ("laba", ["laba-asc-01", "laba-nv-01"]),  # a zone's group
        ("labb_amd,laba-nv-01", ["laba-nv-01", "labb-amd-01"]),  # a pool's group and a host
        ("lab*-nv-*", ["laba-nv-01"]),
        ("all:!laba", ["labb-amd-01", "labb-ppu-01"]),
        ("!labb", ["laba-asc-01", "laba-nv-01"]),  # starting with an exclusion starts from all
        ("lab:&laba", ["laba-asc-01", "laba-nv-01"]),
        ("~nv|amd", ["laba-nv-01", "labb-amd-01"]),
        ("all:!regionkit_held_back", ["laba-asc-01", "labb-amd-01", "labb-ppu-01"]),
        ("nosuch", []),
    ],
)
def test_match_reads_host_patterns_as_ansible_does(pattern: str | None, hosts: list[str]) -> None:
    plan = plan_inventory(OUTPUTS, {}, "test", {"laba-nv-01": "held"})
    assert plan.match(pattern) == hosts
