"""Every applyable shipped region synthesizes under Pulumi's mock runtime, and the result
states the policies: nothing outside the jurisdiction, buckets on the region's own key and
private, no public ingress, tags everywhere, counts that follow the declaration."""

from __future__ import annotations

from collections import Counter
from functools import cache
from ipaddress import IPv4Network

import pytest

from regionkit.adapters.pulumi.mock_engine import ResourceRecord, Synthesis, synthesize
from regionkit.catalog.load import load_catalog

from ..conftest import REPO

CATALOG = load_catalog(REPO)
APPLYABLE = sorted(k for k, r in CATALOG.regions.items() if r.status != "planned" and r.cloud.backend != "none")
LINK = {
    "alicloud": "alicloud:expressconnect/physicalConnection:PhysicalConnection",
    "aws": "aws:directconnect/connection:Connection",
}
SG = {"alicloud": "alicloud:ecs/securityGroup:SecurityGroup", "aws": "aws:ec2/securityGroup:SecurityGroup"}
SUBNET = {"alicloud": "alicloud:vpc/switch:Switch", "aws": "aws:ec2/subnet:Subnet"}
RECORD = {"alicloud": "alicloud:pvtz/zoneRecord:ZoneRecord", "aws": "aws:route53/record:Record"}
KEY = {"alicloud": "alicloud:kms/key:Key", "aws": "aws:kms/key:Key"}


@cache
def _synth(key: str) -> Synthesis:
    return synthesize(REPO / "stacks", key)


def of_type(s: Synthesis, typ: str) -> list[ResourceRecord]:
    return [r for r in s.resources if r.type == typ]


def test_both_backends_are_covered() -> None:
    assert {CATALOG.regions[k].cloud.backend for k in APPLYABLE} == {"alicloud", "aws"}


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_providers_only_in_the_regions_data_regions(key: str) -> None:
    region = CATALOG.regions[key]
    providers = [r for r in _synth(key).resources if r.type.startswith("pulumi:providers:")]
    assert providers and all(p.inputs["region"] in region.residency.data_regions for p in providers)
    assert all(r.provider for r in _synth(key).resources if r.custom and not r.type.startswith("pulumi:providers:"))


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_buckets_use_the_regions_own_key_and_are_private(key: str) -> None:
    s, backend = _synth(key), CATALOG.regions[key].cloud.backend
    (kms,) = of_type(s, KEY[backend])
    buckets = of_type(s, "alicloud:oss/bucket:Bucket") + of_type(s, "aws:s3/bucket:Bucket")
    assert len(buckets) == 2
    for b in buckets:
        if backend == "alicloud":
            assert b.inputs["serverSideEncryptionRule"] == {"sseAlgorithm": "KMS", "kmsMasterKeyId": f"{kms.name}-id"}
            assert b.inputs["versioning"] == {"status": "Enabled"}
            assert kms.urn in b.dependencies
        else:
            sse = next(r for r in s.resources if r.name == f"{b.name}-sse")
            rule = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
            assert rule["sseAlgorithm"] == "aws:kms" and kms.urn in sse.dependencies
        block = next(r for r in s.resources if r.name == f"{b.name}-public")
        assert all(v is True for k, v in block.inputs.items() if k.startswith(("block", "ignore", "restrict")))


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_no_ingress_from_outside_the_region(key: str) -> None:
    region = CATALOG.regions[key]
    inside = [region.network.supernet]
    rules = [
        r
        for r in _synth(key).resources
        if r.type
        in (
            "alicloud:ecs/securityGroupRule:SecurityGroupRule",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        )
    ]
    assert rules
    lists = [
        r
        for r in _synth(key).resources
        if r.type in ("alicloud:vpc/prefixList:PrefixList", "aws:ec2/managedPrefixList:ManagedPrefixList")
    ]
    (management,) = lists
    entries = management.inputs.get("entrys") or management.inputs.get("entries")
    assert sorted(e["cidr"] for e in entries) == sorted(str(z.network.management) for z in region.zones)
    for rule in rules:
        cidr = rule.inputs.get("cidrIp") or rule.inputs.get("cidrIpv4")
        if rule.inputs.get("prefixListId"):  # SSH: from the management prefix list
            assert rule.inputs["prefixListId"] == f"{management.name}-id"
        elif cidr is None:  # collectives: only from the pool's own group
            assert (rule.inputs.get("sourceSecurityGroupId") or rule.inputs.get("referencedSecurityGroupId")) == rule.inputs[
                "securityGroupId"
            ]
        else:
            assert any(IPv4Network(cidr).subnet_of(net) for net in inside), (rule.name, cidr)


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_every_taggable_resource_carries_the_three_tags(key: str) -> None:
    tagged = [r for r in _synth(key).resources if "tags" in r.inputs]
    assert len(tagged) > 10
    for r in tagged:
        assert r.inputs["tags"]["regionkit:region"] == key
        assert r.inputs["tags"]["regionkit:zone"] and r.inputs["tags"]["regionkit:partner"]


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_counts_follow_the_declaration(key: str) -> None:
    region, s = CATALOG.regions[key], _synth(key)
    backend = region.cloud.backend
    counts = Counter(r.type for r in s.resources)
    assert counts["regionkit:zone:Zone"] == len(region.zones)
    assert counts[LINK[backend]] == len(region.zones)  # N zones give N links
    assert counts[SG[backend]] == len(region.pools)  # one security group per pool
    assert counts["regionkit:pool:AcceleratorPool"] == len(region.pools)
    assert counts[SUBNET[backend]] == sum(3 + (z.network.bmc is not None) for z in region.zones)
    assert counts[RECORD[backend]] == sum(p.servers for p in region.pools)
    links = [r for r in s.resources if r.type == LINK[backend]]
    assert sorted(r.zone for r in links) == sorted(z.id for z in region.zones)


@pytest.mark.parametrize("key", APPLYABLE)
def test_stack_outputs_carry_the_inventory(key: str) -> None:
    region, out = CATALOG.regions[key], _synth(key).outputs
    assert out["region"] == key and out["dns_zone"]["name"] == f"{key}.internal"
    assert out["mirror"]["bucket"].endswith(f"{key}-artifacts") and out["mirror"]["endpoint"].startswith("https://")
    assert [len(p["hosts"]) for p in out["pools"]] == [p.servers for z in region.zones for p in region.pools if p.zone == z.id]
    assert all(p["software"]["driver"] for p in out["pools"])


def test_stack_refuses_a_planned_region() -> None:
    from regionkit.errors import RegionkitError

    with pytest.raises(RegionkitError, match="planned"):
        synthesize(REPO / "stacks", "mx-qro-1")


def test_stack_refuses_a_provider_config_that_disagrees_with_the_catalog() -> None:
    from regionkit.errors import RegionkitError

    with pytest.raises(RegionkitError, match="make them agree"):
        synthesize(REPO / "stacks", "nl-ams-1", {"alicloud:region": "us-east-1"})
