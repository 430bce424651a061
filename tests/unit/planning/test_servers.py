"""The deterministic server planner."""

from __future__ import annotations

from ipaddress import IPv4Address

from regionkit.catalog.load import load_catalog
from regionkit.planning.servers import plan_pools

from ...conftest import REPO

CATALOG = load_catalog(REPO)


def test_servers_are_named_zone_pool_nn_and_addressed_in_order() -> None:
    pools = plan_pools(CATALOG, CATALOG.region("nl-ams-1"))
    ppu, h20 = pools[0], pools[1]
    assert [s.name for s in ppu.servers[:2]] == ["nl-ams-1a-ppu-01", "nl-ams-1a-ppu-02"]
    assert ppu.servers[0].management_address == IPv4Address("10.11.0.11")
    # the second pool of the zone continues after the first
    assert h20.servers[0].management_address == IPv4Address("10.11.0.27")
    assert h20.servers[0].fabric_address == IPv4Address("10.11.16.27")


def test_pools_in_other_zones_start_again() -> None:
    pools = plan_pools(CATALOG, CATALOG.region("nl-ams-1"))
    assert pools[2].servers[0].name == "nl-ams-1b-ppu-01"
    assert pools[2].servers[0].management_address == IPv4Address("10.11.32.11")


def test_handover_data_is_used_when_declared() -> None:
    (pool,) = plan_pools(CATALOG, CATALOG.region("gb-lon-1"))
    assert {s.source for s in pool.servers} == {"handover"}
    assert pool.servers[3].serial == "SN-LD8-0004"
    assert pool.servers[3].bmc_address == IPv4Address("10.19.4.14")


def test_plan_is_deterministic() -> None:
    again = load_catalog(REPO)
    for key in CATALOG.regions:
        assert plan_pools(CATALOG, CATALOG.region(key)) == plan_pools(again, again.region(key))


def test_pool_floor_falls_back_to_the_sku() -> None:
    pools = {p.name: p for p in plan_pools(CATALOG, CATALOG.region("de-fra-1"))}
    assert pools["h20a"].busbw_floor_gbps is None  # H20: no public floor, golden run
    assert pools["h20a"].collective_library == "nccl"
