"""The policy pack: each policy with a passing and a violating resource; the pack over every
mocked stack raises nothing; a violation planted in a copy of a region is refused by both
`validate` and the pack."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from regionkit.adapters.pulumi.mock_engine import synthesize
from regionkit.adapters.pulumi.policy_runner import load_policies, run_policies
from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import allowed_cloud_regions, validate

from ..conftest import REPO, TODAY, Edit

P = load_policies(REPO / "stacks")
CONFIG = {"region": "nl-ams-1", "allowedRegions": ["eu-central-1"]}


@dataclass
class Res:
    resource_type: str
    props: dict[str, Any]
    name: str = "r"
    urn: str = "urn:r"
    dependencies: list[Res] = field(default_factory=list)
    resources: list[Res] = field(default_factory=list)

    def get_config(self) -> dict[str, Any]:
        return CONFIG


def violations(fn: Any, res: Res) -> list[str]:
    found: list[str] = []
    fn(res, lambda msg, urn=None: found.append(msg))
    return found


TAGS = {"regionkit:region": "nl-ams-1", "regionkit:zone": "nl-ams-1a", "regionkit:partner": "equinix"}


@pytest.mark.parametrize(
    ("fn", "good", "bad", "says"),
    [
        (
            P.check_allowed_regions,
            Res("pulumi:providers:alicloud", {"region": "eu-central-1"}),
            Res("pulumi:providers:alicloud", {"region": "us-east-1"}),
            "not one of the region's data regions",
        ),
        (
            P.check_allowed_regions,
            Res("aws:s3/bucket:Bucket", {"region": "eu-central-1"}),
            Res("aws:s3/bucket:Bucket", {"region": "ap-southeast-1"}),
            "ap-southeast-1",
        ),
        (
            P.check_no_public_ingress,
            Res("alicloud:ecs/securityGroupRule:SecurityGroupRule", {"type": "ingress", "cidrIp": "10.11.0.0/22"}),
            Res("alicloud:ecs/securityGroupRule:SecurityGroupRule", {"type": "ingress", "cidrIp": "0.0.0.0/0"}),
            "ingress from 0.0.0.0/0",
        ),
        (
            P.check_no_public_ingress,
            Res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {"cidrIpv4": "10.13.0.0/22"}),
            Res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {"cidrIpv6": "::/0"}),
            "ingress from ::/0",
        ),
        (
            P.check_no_public_ingress,
            Res("aws:ec2/securityGroup:SecurityGroup", {"ingress": [{"cidrBlocks": ["10.0.0.0/8"]}]}),
            Res("aws:ec2/securityGroup:SecurityGroup", {"ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]}),
            "ingress from 0.0.0.0/0",
        ),
        (
            P.check_required_tags,
            Res("alicloud:vpc/network:Network", {"tags": TAGS}),
            Res("alicloud:vpc/network:Network", {"tags": {"regionkit:region": "nl-ams-1"}}),
            "missing tags regionkit:zone, regionkit:partner",
        ),
        (
            P.check_required_tags,
            Res("aws:ec2/vpc:Vpc", {"tags": TAGS}),
            Res("aws:ec2/vpc:Vpc", {"tags": {**TAGS, "regionkit:region": "de-fra-1"}}),
            "the stack is nl-ams-1",
        ),
        (
            P.check_replication,
            Res("alicloud:oss/bucketReplication:BucketReplication", {"destination": {"location": "oss-eu-central-1"}}),
            Res("alicloud:oss/bucketReplication:BucketReplication", {"destination": {"location": "oss-us-east-1"}}),
            "replicates to us-east-1",
        ),
        (
            P.check_replication,
            Res(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                {"rules": [{"destination": {"bucket": "arn:aws:s3:::b-eu-central-1"}}]},
            ),
            Res(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                {"rules": [{"destination": {"bucket": "arn:aws:s3:::elsewhere"}}]},
            ),
            "not provably inside",
        ),
    ],
)
def test_policy_passes_good_and_reports_bad(fn: Any, good: Res, bad: Res, says: str) -> None:
    assert violations(fn, good) == []
    found = violations(fn, bad)
    assert found and says in found[0]


def _bucket_stack(key_region: str = "nl-ams-1", acl: str = "private", sse: str = "KMS", versioning: str = "Enabled") -> Res:
    key = Res("alicloud:kms/key:Key", {"tags": {**TAGS, "regionkit:region": key_region}}, name="k")
    bucket = Res(
        "alicloud:oss/bucket:Bucket",
        {
            "serverSideEncryptionRule": {"sseAlgorithm": sse, "kmsMasterKeyId": "k-id"},
            "versioning": {"status": versioning},
        },
        name="b",
        dependencies=[key],
    )
    acl_res = Res("alicloud:oss/bucketAcl:BucketAcl", {"acl": acl}, name="b-acl")
    block = Res("alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock", {"blockPublicAccess": True}, name="b-public")
    return Res("pulumi:pulumi:Stack", {}, resources=[key, bucket, acl_res, block])


@pytest.mark.parametrize(
    ("stack", "says"),
    [
        (
            _bucket_stack(key_region="de-fra-1"),
            "not encrypted with this region's own key: its key k belongs to de-fra-1",
        ),
        (_bucket_stack(acl="public-read"), "not closed to the public"),
        (_bucket_stack(sse="AES256"), "not encrypted with a KMS key"),
        (_bucket_stack(versioning="Suspended"), "versioning is not enabled"),
    ],
)
def test_bucket_policy_reports_each_weakness(stack: Res, says: str) -> None:
    assert violations(P.check_buckets, _bucket_stack()) == []
    assert any(says in v for v in violations(P.check_buckets, stack))


@pytest.mark.parametrize("key", ["br-sao-1", "de-fra-1", "fr-par-1", "gb-lon-1", "nl-ams-1"])
def test_pack_over_each_shipped_stack_finds_nothing(key: str) -> None:
    catalog = load_catalog(REPO)
    synthesis = synthesize(REPO / "stacks", key)
    assert run_policies(REPO / "stacks", synthesis, allowed_cloud_regions(catalog, catalog.region(key))) == []


def test_planted_replication_out_of_jurisdiction_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["residency"].update(replication=[{"bucket": "evidence", "to": "us-east-1"}]))
    catalog = load_catalog(stack_root)
    assert [f.validator for f in validate(catalog, ["nl-ams-1"], today=TODAY).errors] == ["residency.replication"]
    synthesis = synthesize(stack_root / "stacks", "nl-ams-1")
    found = run_policies(stack_root / "stacks", synthesis, ["eu-central-1"])
    assert [(v.policy, v.resource) for v in found] == [
        ("no-replication-out-of-jurisdiction", "regionkit-nl-ams-1-evidence-to-us-east-1")
    ]


def test_planted_public_monitoring_range_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit("br-sao-1", lambda d: d["network"].update(monitoring="0.0.0.0/0"))
    catalog = load_catalog(stack_root)
    assert "net.containment" in {f.validator for f in validate(catalog, ["br-sao-1"], today=TODAY).errors}
    synthesis = synthesize(stack_root / "stacks", "br-sao-1")
    found = run_policies(stack_root / "stacks", synthesis, ["sa-east-1"])
    assert {v.policy for v in found} == {"no-public-ingress"}
    assert len(found) == 2  # the metrics rule of each pool


def test_planted_data_region_outside_jurisdiction_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit(
        "gb-lon-1",
        lambda d: d["cloud"].update(region_id="us-east-1") or d["residency"].update(data_regions=["us-east-1"]),
    )
    edit("gb-lon-1", lambda d: [z.update(cloud_zone="us-east-1a") for z in d["zones"]])
    catalog = load_catalog(stack_root)
    assert "residency.data-region" in {f.validator for f in validate(catalog, ["gb-lon-1"], today=TODAY).errors}
    synthesis = synthesize(stack_root / "stacks", "gb-lon-1")
    # the pack is configured from the jurisdiction's rules, not from the (tampered) declaration
    allowed = allowed_cloud_regions(catalog, catalog.region("gb-lon-1"))
    assert allowed == []
    found = run_policies(stack_root / "stacks", synthesis, allowed)
    assert ("allowed-cloud-regions", "gb-lon-1") in {(v.policy, v.resource) for v in found}
