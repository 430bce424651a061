"""The policy pack decides on inputs, so it runs in `preview` and blocks before anything is created.

- Each policy refuses a violation planted in the real program's *preview* synthesis: the inputs as
  the engine receives them before creation, with Pulumi's unknown sentinel wherever a value depends
  on a resource not yet created, read through pulumi_policy's own unknown-checking proxy (an access
  to an unknown raises there, as in the engine, and the runner reports the policy as not run).
- The pack over every applyable region in every link state finds nothing, in update and in
  preview, and every policy runs in preview (no advisory "can't run policy").
- A violation planted in a copy of the catalog is refused by both `validate` and the pack.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from regionkit.adapters.pulumi.mock_engine import ResourceRecord, Synthesis, synthesize
from regionkit.adapters.pulumi.policy_runner import ADVISORY, load_policies, run_policies
from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import allowed_cloud_regions, validate

from ..conftest import REPO, TODAY, Edit
from .conftest import APPLYABLE, CATALOG, STATES, StateCatalogs

P = load_policies(REPO / "stacks")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown string sentinel (pulumi.runtime.rpc.UNKNOWN)


def allowed(key: str) -> list[str]:
    return allowed_cloud_regions(CATALOG, CATALOG.regions[key])


@pytest.mark.parametrize(("key", "state"), [(k, s) for k in APPLYABLE for s in STATES], ids=lambda v: str(v))
@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_pack_over_every_region_and_state_finds_nothing_and_runs_in_preview(
    states: StateCatalogs, key: str, state: str, preview: bool
) -> None:
    s = states.synth(key, state, preview)
    assert run_policies(REPO / "stacks", s, allowed(key)) == []


# --- violations planted in a preview, on inputs ----------------------------------------------


Change = Callable[[ResourceRecord], ResourceRecord]


def plant(s: Synthesis, typ: str, change: Change, name_ends: str = "") -> Synthesis:
    """The synthesis with the first resource of `typ` (named ...name_ends) changed."""
    target = next(r for r in s.resources if r.type == typ and r.name.endswith(name_ends))
    return dataclasses.replace(s, resources=[change(r) if r is target else r for r in s.resources])


def sent(**changes: Any) -> Change:
    """Change inputs as sent to the engine (top-level keys; None removes one)."""

    def apply(r: ResourceRecord) -> ResourceRecord:
        new = {**r.sent, **{k: v for k, v in changes.items() if v is not None}}
        for k in [k for k, v in changes.items() if v is None]:
            new.pop(k, None)
        return dataclasses.replace(r, sent=new)

    return apply


def nested(path: tuple[str | int, ...], value: Any) -> Change:
    def apply(r: ResourceRecord) -> ResourceRecord:
        import copy

        new = copy.deepcopy(r.sent)
        cur: Any = new
        for k in path[:-1]:
            cur = cur[k]
        cur[path[-1]] = value
        return dataclasses.replace(r, sent=new)

    return apply


def drop(typ: str, name_ends: str) -> Callable[[Synthesis], Synthesis]:
    return lambda s: dataclasses.replace(s, resources=[r for r in s.resources if not (r.type == typ and r.name.endswith(name_ends))])


def foreign_key(s: Synthesis) -> Synthesis:
    """The bucket's key dependency swapped for a key tagged with another region."""
    key = next(r for r in s.resources if r.type == "alicloud:kms/key:Key")
    other = dataclasses.replace(
        key, urn=key.urn + "-other", name="other-key", sent={**key.sent, "tags": {**key.sent["tags"], "regionkit:region": "de-fra-1"}}
    )
    bucket = next(r for r in s.resources if r.type == "alicloud:oss/bucket:Bucket")
    moved = dataclasses.replace(bucket, dependencies=tuple(other.urn if d == key.urn else d for d in bucket.dependencies))
    return dataclasses.replace(s, resources=[moved if r is bucket else r for r in s.resources] + [other])


def vpc_prefix_list(s: Synthesis) -> Synthesis:
    """An ECS rule whose prefix list is a VPC prefix list."""
    rule = next(r for r in s.resources if r.type == "alicloud:ecs/securityGroupRule:SecurityGroupRule")
    plist = next(r for r in s.resources if r.type == "alicloud:ecs/ecsPrefixList:EcsPrefixList")
    vpc_list = dataclasses.replace(plist, urn=plist.urn + "-vpc", name="vpc-list", type="alicloud:vpc/prefixList:PrefixList")
    moved = dataclasses.replace(rule, property_dependencies={**rule.property_dependencies, "prefixListId": (vpc_list.urn,)})
    return dataclasses.replace(s, resources=[moved if r is rule else r for r in s.resources] + [vpc_list])


ALI = ("nl-ams-1", "enabled")
AWS = ("br-sao-1", "enabled")
BUCKET_RULE = ("rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm")

# (policy, region and state, plant, message fragment)
PLANTED: list[tuple[str, tuple[str, str], Callable[[Synthesis], Synthesis], str]] = [
    ("allowed-cloud-regions", ALI, lambda s: plant(s, "pulumi:providers:alicloud", sent(region="us-east-1")), "us-east-1"),
    ("allowed-cloud-regions", AWS, lambda s: plant(s, "aws:s3/bucket:Bucket", sent(region="us-east-1")), "us-east-1"),
    (
        "no-public-ingress",
        ALI,
        lambda s: plant(s, "alicloud:ecs/securityGroupRule:SecurityGroupRule", sent(cidrIp="0.0.0.0/0")),
        "0.0.0.0/0",
    ),
    (
        "no-public-ingress",
        AWS,
        lambda s: plant(s, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", sent(cidrIpv6="::/0")),
        "::/0",
    ),
    (
        "no-public-ingress",
        AWS,
        lambda s: plant(s, "aws:ec2/managedPrefixList:ManagedPrefixList", nested(("entries", 0, "cidr"), "0.0.0.0/0")),
        "0.0.0.0/0",
    ),
    (
        "required-tags",
        ALI,
        lambda s: plant(s, "alicloud:vpc/network:Network", sent(tags={"regionkit:region": "nl-ams-1"})),
        "missing tags",
    ),
    (
        "required-tags",
        AWS,
        lambda s: plant(s, "aws:directconnect/gateway:Gateway", sent(tags=None)),
        "missing tags regionkit:region, regionkit:zone, regionkit:partner",
    ),
    (
        "buckets-encrypted",
        ALI,
        lambda s: plant(s, "alicloud:oss/bucket:Bucket", nested(("serverSideEncryptionRule", "sseAlgorithm"), "AES256")),
        "AES256",
    ),
    (
        "buckets-encrypted",
        AWS,
        lambda s: plant(
            s, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", nested(BUCKET_RULE, "AES256")
        ),
        "AES256",
    ),
    (
        "buckets-encrypted",
        AWS,
        lambda s: plant(
            s,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            nested(("rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"), "arn:aws:kms:us-east-1:111122223333:key/x"),
        ),
        "outside ['sa-east-1']",
    ),
    (
        "buckets-versioned",
        ALI,
        lambda s: plant(s, "alicloud:oss/bucket:Bucket", nested(("versioning", "status"), "Suspended")),
        "Suspended",
    ),
    (
        "buckets-versioned",
        AWS,
        lambda s: plant(s, "aws:s3/bucketVersioning:BucketVersioning", nested(("versioningConfiguration", "status"), "Suspended")),
        "Suspended",
    ),
    ("buckets-private", ALI, lambda s: plant(s, "alicloud:oss/bucketAcl:BucketAcl", sent(acl="public-read")), "public-read"),
    ("buckets-private", ALI, lambda s: plant(s, "alicloud:oss/bucket:Bucket", sent(acl="public-read-write")), "public-read-write"),
    (
        "buckets-private",
        ALI,
        lambda s: plant(s, "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock", sent(blockPublicAccess=False)),
        "does not block",
    ),
    (
        "buckets-private",
        AWS,
        lambda s: plant(s, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", sent(restrictPublicBuckets=False)),
        "restrictPublicBuckets",
    ),
    ("region-keys", ALI, lambda s: plant(s, "alicloud:kms/key:Key", sent(dkmsInstanceId=None)), "no KMS instance"),
    ("region-keys", ALI, lambda s: plant(s, "alicloud:kms/key:Key", sent(deletionProtection="Disabled")), "deletion protection"),
    ("region-keys", AWS, lambda s: plant(s, "aws:kms/key:Key", sent(multiRegion=True)), "multi-Region"),
    ("region-keys", AWS, lambda s: plant(s, "aws:kms/key:Key", sent(deletionWindowInDays=7)), "deletion window"),
    (
        "protected-resources",
        ALI,
        lambda s: plant(s, "alicloud:oss/bucket:Bucket", lambda r: dataclasses.replace(r, protect=False)),
        "not protected",
    ),
    (
        "protected-resources",
        ALI,
        lambda s: plant(
            s, "alicloud:expressconnect/physicalConnection:PhysicalConnection", lambda r: dataclasses.replace(r, protect=False)
        ),
        "not protected",
    ),
    (
        "protected-resources",
        AWS,
        lambda s: plant(s, "aws:directconnect/connection:Connection", sent(skipDestroy=False)),
        "skip_destroy",
    ),
    ("protected-resources", AWS, lambda s: plant(s, "aws:s3/bucket:Bucket", sent(forceDestroy=True)), "force_destroy"),
    (
        "dx-explicit-prefixes",
        AWS,
        lambda s: plant(s, "aws:directconnect/gatewayAssociation:GatewayAssociation", sent(allowedPrefixes=None)),
        "whole VPC CIDR",
    ),
    ("activation-expiry", AWS, lambda s: plant(s, "aws:ssm/activation:Activation", sent(expirationDate=None)), "no expiration_date"),
    ("buckets-complete", ALI, drop("alicloud:oss/bucketAcl:BucketAcl", "-artifacts-acl"), "without regionkit-nl-ams-1-artifacts-acl"),
    (
        "buckets-complete",
        AWS,
        drop("aws:s3/bucketVersioning:BucketVersioning", "-evidence-versioning"),
        "without regionkit-br-sao-1-evidence-versioning",
    ),
    ("buckets-complete", ALI, foreign_key, "belongs to de-fra-1"),
    ("ecs-prefix-lists", ALI, vpc_prefix_list, "ECS rules need an ECS prefix list"),
]


def test_every_policy_has_a_planted_violation() -> None:
    assert {p.name for p in P.POLICIES} - {"no-replication-out-of-jurisdiction"} == {p[0] for p in PLANTED}
    # no-replication-out-of-jurisdiction: planted through the catalog below (the stacks create no replication)


@pytest.mark.parametrize(("policy", "where", "change", "says"), PLANTED, ids=[f"{p[0]}:{p[3][:24]}" for p in PLANTED])
def test_policy_refuses_a_violation_planted_in_preview(
    states: StateCatalogs, policy: str, where: tuple[str, str], change: Callable[[Synthesis], Synthesis], says: str
) -> None:
    key, state = where
    clean = states.synth(key, state, preview=True)
    assert clean.preview and any(UNKNOWN in str(r.sent) for r in clean.resources)  # unknowns are really there
    found = run_policies(REPO / "stacks", change(clean), allowed(key))
    assert not [v for v in found if v.level == ADVISORY], found  # every policy ran, before creation
    hits = [v for v in found if v.policy == policy]
    assert hits and any(says in v.message for v in hits), found
    also = {"required-tags"} if change is foreign_key else set()  # the planted key is tagged for de-fra-1 too
    assert {v.policy for v in found} == {policy} | also


# --- the engine's view of unknowns ------------------------------------------------------------


@dataclasses.dataclass
class _Args:
    resource_type: str
    name: str
    props: Any

    def get_config(self) -> dict[str, Any]:
        return {"region": "nl-ams-1", "allowedRegions": ["eu-central-1"]}


def test_reading_an_unknown_input_raises_in_the_engines_proxy_and_policies_do_not() -> None:
    bucket = unknown_checking_proxy({"serverSideEncryptionRule": {"sseAlgorithm": "KMS", "kmsMasterKeyId": UNKNOWN}})
    with pytest.raises(UnknownValueError):
        _ = bucket["serverSideEncryptionRule"]["kmsMasterKeyId"]  # what a naive policy does: the engine skips it
    assert P._value(bucket, "serverSideEncryptionRule", "kmsMasterKeyId") is P.UNKNOWN
    found: list[str] = []
    P.check_bucket_encryption(_Args("alicloud:oss/bucket:Bucket", "b", bucket), lambda msg, urn=None: found.append(msg))
    assert found == []  # the key is this stack's, not yet created: fine in preview


def test_runner_reports_a_policy_that_reads_an_unknown_as_not_run(states: StateCatalogs, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old bucket policy read a computed value in preview; the engine then skips it with an advisory."""

    def naive(args: Any, report: Any) -> None:
        if args.resource_type == "alicloud:oss/bucket:Bucket":
            _ = args.props["serverSideEncryptionRule"]["kmsMasterKeyId"]

    policies = load_policies(REPO / "stacks")
    only = dataclasses.make_dataclass("Naive", [("name", str), ("validate", Any)])("naive", naive)
    monkeypatch.setattr(policies, "POLICIES", [only])
    monkeypatch.setattr("regionkit.adapters.pulumi.policy_runner.load_policies", lambda _: policies)
    found = run_policies(REPO / "stacks", states.synth("nl-ams-1", "planned", preview=True), ["eu-central-1"])
    assert found and all(v.level == ADVISORY and "can't run policy during preview" in v.message for v in found)


# --- violations planted in the catalog -------------------------------------------------------


def test_planted_replication_out_of_jurisdiction_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["residency"].update(replication=[{"bucket": "evidence", "to": "us-east-1"}]))
    catalog = load_catalog(stack_root)
    assert [f.validator for f in validate(catalog, ["nl-ams-1"], today=TODAY).errors] == ["residency.replication"]
    for preview in (False, True):
        synthesis = synthesize(stack_root / "stacks", "nl-ams-1", preview=preview)
        found = run_policies(stack_root / "stacks", synthesis, ["eu-central-1"])
        assert [(v.policy, v.resource) for v in found] == [
            ("no-replication-out-of-jurisdiction", "regionkit-nl-ams-1-evidence-to-us-east-1")
        ]


def test_planted_public_monitoring_range_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit("br-sao-1", lambda d: d["network"].update(monitoring="0.0.0.0/0"))
    catalog = load_catalog(stack_root)
    assert "net.containment" in {f.validator for f in validate(catalog, ["br-sao-1"], today=TODAY).errors}
    synthesis = synthesize(stack_root / "stacks", "br-sao-1", preview=True)
    found = run_policies(stack_root / "stacks", synthesis, ["sa-east-1"])
    assert {(v.policy, v.resource) for v in found} == {("no-public-ingress", "br-sao-1-colo")}  # the endpoints' source list


def test_planted_data_region_outside_jurisdiction_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit(
        "gb-lon-1",
        lambda d: (
            d["cloud"].update(region_id="us-east-1", zones=["us-east-1a", "us-east-1b"])
            or d["residency"].update(data_regions=["us-east-1"])
        ),
    )
    edit("gb-lon-1", lambda d: [z.update(cloud_zone="us-east-1a") for z in d["zones"]])
    catalog = load_catalog(stack_root)
    assert "residency.data-region" in {f.validator for f in validate(catalog, ["gb-lon-1"], today=TODAY).errors}
    synthesis = synthesize(stack_root / "stacks", "gb-lon-1", preview=True)
    # the pack is configured from the jurisdiction's rules, not from the (tampered) declaration
    allowed_regions = allowed_cloud_regions(catalog, catalog.region("gb-lon-1"))
    assert allowed_regions == []
    found = run_policies(stack_root / "stacks", synthesis, allowed_regions)
    assert ("allowed-cloud-regions", "gb-lon-1") in {(v.policy, v.resource) for v in found}


def test_planted_key_without_a_kms_instance_is_refused_by_validate_and_pack(stack_root: Path, edit: Edit) -> None:
    edit("clouds.yml", lambda d: d["alicloud"]["eu-west-1"].pop("kms_instance"))
    catalog = load_catalog(stack_root)
    assert "readiness.kms-instance" in {f.validator for f in validate(catalog, ["gb-lon-1"], today=TODAY).warnings}
    found = run_policies(stack_root / "stacks", synthesize(stack_root / "stacks", "gb-lon-1", preview=True), ["eu-west-1"])
    assert {(v.policy, v.resource) for v in found} == {("region-keys", "gb-lon-1-key")}
