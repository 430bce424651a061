"""The lab plan: hosts, names, addresses, and --nodes spreading."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.errors import BadInputError
from regionkit.planning.lab import plan_lab

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
