"""The lab plan: hosts, names, addresses, and --nodes spreading."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.errors import BadInputError
from regionkit.planning.lab import lab_outputs, per_pool, plan_lab

from ...conftest import REPO

CATALOG = load_catalog(REPO)


def test_lab_default_is_two_zones_of_two_hosts() -> None:
    plan = plan_lab(CATALOG)
    assert [(h.name, h.zone) for h in plan.hosts] == [
        ("laba-nv-01", "laba"),
        ("laba-asc-01", "laba"),
        ("labb-ppu-01", "labb"),
        ("labb-amd-01", "labb"),
    ]
    assert plan.hosts[1].address == IPv4Address("198.18.0.12")
    assert plan.hosts[2].address == IPv4Address("198.18.32.11")
    assert plan.gateway == IPv4Address("198.18.0.1") and all(h.address in plan.network for h in plan.hosts)


@pytest.mark.parametrize(("nodes", "counts"), [(1, [1]), (2, [1, 1]), (5, [2, 1, 1, 1]), (16, [4, 4, 4, 4])])
def test_lab_nodes_spread_over_pools(nodes: int, counts: list[int]) -> None:
    plan = plan_lab(CATALOG, nodes)
    assert [len(p.servers) for p in plan.pools] == counts
    assert len({h.name for h in plan.hosts}) == len({h.address for h in plan.hosts}) == nodes


def test_lab_interface_names_fit_the_kernel_limit() -> None:
    plan = plan_lab(CATALOG, 64)
    assert max(len(h.veth) for h in plan.hosts) <= 15 and len(plan.bridge) <= 15


@pytest.mark.parametrize("nodes", [0, 65])
def test_lab_node_count_out_of_range_is_bad_input(nodes: int) -> None:
    with pytest.raises(BadInputError, match="the lab takes 1 to 64 hosts"):
        plan_lab(CATALOG, nodes)


@pytest.mark.parametrize("nodes", [1, 2, 3, 5, 8, 16, 33])
def test_a_resized_lab_derives_a_manifest_the_validators_accept(nodes: int) -> None:
    import dataclasses

    from regionkit.catalog.validate import validate

    plan = plan_lab(CATALOG, nodes)
    assert plan.spec is not None and plan.nodes == nodes
    listed = [e for p in plan.spec.pools for e in p.handover]
    assert [e.hostname for e in listed] == [h.name for h in plan.hosts]
    assert [str(e.management_address) for e in listed] == [str(h.address) for h in plan.hosts]
    catalog = dataclasses.replace(CATALOG, regions={**CATALOG.regions, "lab": plan.spec})
    problems = [f.one_line() for f in validate(catalog, ["lab"]).errors if f.validator.startswith(("net.", "handover."))]
    assert problems == []


def test_the_declared_size_keeps_the_declared_manifest() -> None:
    declared = CATALOG.region("lab")
    assert plan_lab(CATALOG, 4).spec == declared and plan_lab(CATALOG).spec == declared
    resized = plan_lab(CATALOG, 8).spec
    assert resized is not None
    first = {p.name: p.handover[0].serial for p in resized.pools}
    assert first == {p.name: p.handover[0].serial for p in declared.pools}  # declared serials kept


@pytest.mark.parametrize("region", ["br-sao-1", "de-fra-1"])
def test_stand_ins_are_named_and_grouped_as_the_regions_servers_on_lab_addresses(region: str) -> None:
    plan = plan_lab(CATALOG, region=region)
    spec = CATALOG.region(region)
    assert plan.region == region and plan.stands_in
    assert [(p.zone, p.name, len(p.servers)) for p in plan.pools] == [(p.zone, p.name, 1) for p in spec.pools]
    assert [h.name for h in plan.hosts] == [f"{p.zone}-{p.name}-01" for p in spec.pools]
    lab = CATALOG.region("lab")
    for pool in plan.pools:
        for server in pool.servers:
            for address in (server.management_address, server.storage_address, server.fabric_address):
                assert address in lab.network.supernet and address not in spec.network.supernet
            assert server.bmc_address is None  # stand-ins have no BMC
    assert len({h.address for h in plan.hosts}) == len(plan.hosts)


def test_stand_ins_carry_the_regions_pool_variables_and_the_labs_mirror() -> None:
    outputs = lab_outputs(plan_lab(CATALOG, region="de-fra-1", per_pool_count=2))
    real = {p.group: p for p in outputs.pools}
    assert set(real) == {"de_fra_1a_h20a", "de_fra_1b_ppu", "de_fra_1b_h20b"} and all(len(p.hosts) == 2 for p in real.values())
    h20 = real["de_fra_1a_h20a"]
    assert (h20.vendor, h20.software["driver"], h20.software["fabric_manager"]) == ("nvidia", "580.95.05", "580.95.05")
    assert h20.licence_ref == "BIS-LIC-2025-0117-H20 (example)"
    assert outputs.region == "de-fra-1" and outputs.backend == "alicloud" and outputs.cloud_region == "eu-central-1"
    # where things are is the lab's; the URLs are still signed for the region's own cloud region
    assert outputs.package_source == "http://198.18.0.1:3142" and outputs.mirror.endpoint == "http://198.18.0.1:9000"
    assert outputs.mirror.region == "eu-central-1"


def test_stand_in_sizes_are_refused_where_they_do_not_apply() -> None:
    with pytest.raises(BadInputError, match="--per-pool sizes stand-ins"):
        plan_lab(CATALOG, per_pool_count=2)
    with pytest.raises(BadInputError, match="--nodes sizes the lab's own hosts"):
        plan_lab(CATALOG, 3, region="br-sao-1")
    with pytest.raises(BadInputError, match="--per-pool 40: the lab takes 1 to 64 hosts"):
        plan_lab(CATALOG, region="de-fra-1", per_pool_count=40)
    with pytest.raises(BadInputError, match="no-such-1"):
        plan_lab(CATALOG, region="no-such-1")
    empty = CATALOG.region("br-sao-1").model_copy(update={"pools": []})
    with pytest.raises(BadInputError, match=r"br-sao-1/region\.yml: no pools"):
        per_pool(empty, 1)
