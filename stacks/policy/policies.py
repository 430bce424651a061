"""Mandatory sovereignty policies. Each policy reads the same configuration, written per region
by regionkit (`policy_config`): the region key, the cloud regions that may hold its data, and the
tags every resource carries.

Property names are the engine's (camelCase), as the pack receives them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

REQUIRED_TAGS = ("regionkit:region", "regionkit:zone", "regionkit:partner")

# Resource types the program creates that accept tags (others, e.g. DNS records, take none).
TAGGABLE = {
    "alicloud:vpc/network:Network",
    "alicloud:vpc/switch:Switch",
    "alicloud:vpc/prefixList:PrefixList",
    "alicloud:pvtz/zone:Zone",
    "alicloud:kms/key:Key",
    "alicloud:oss/bucket:Bucket",
    "alicloud:ecs/securityGroup:SecurityGroup",
    "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/managedPrefixList:ManagedPrefixList",
    "aws:ec2/vpnGateway:VpnGateway",
    "aws:route53/zone:Zone",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:directconnect/connection:Connection",
    "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:iam/role:Role",
    "aws:ssm/activation:Activation",
}
BUCKETS = {"alicloud:oss/bucket:Bucket", "aws:s3/bucket:Bucket"}
OPEN = ("0.0.0.0/0", "::/0")

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "region": {"type": "string"},
        "allowedRegions": {"type": "array", "items": {"type": "string"}},
    },
    required=["region", "allowedRegions"],
)


def _config(args: Any) -> Mapping[str, Any]:
    return args.get_config() or {}


def check_allowed_regions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Providers (and AWS resources that name a region) only in the region's allowed cloud regions."""
    allowed = _config(args).get("allowedRegions", [])
    region = args.props.get("region")
    if args.resource_type.startswith("pulumi:providers:") or (args.resource_type.startswith("aws:") and region):
        if region is None:
            report(f"{args.name}: provider without an explicit region; regionkit pins every provider to one", None)
        elif isinstance(region, str) and region not in allowed:
            report(f"{args.name}: cloud region {region} is not one of the region's data regions {allowed}", None)


def check_no_public_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No ingress from anywhere (0.0.0.0/0 or ::/0) to node pools."""
    t, p = args.resource_type, args.props
    sources: list[Any] = []
    if t == "alicloud:ecs/securityGroupRule:SecurityGroupRule" and p.get("type") == "ingress":
        sources = [p.get("cidrIp"), p.get("ipv6CidrIp")]
    elif t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        sources = [p.get("cidrIpv4"), p.get("cidrIpv6")]
    elif t in ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"):
        rules = p.get("ingress") or ([p] if p.get("type") == "ingress" else [])
        for rule in rules:
            sources += list(rule.get("cidrBlocks") or []) + list(rule.get("ipv6CidrBlocks") or [])
    for source in sources:
        if source in OPEN:
            report(f"{args.name}: ingress from {source}; node pools take traffic only from the region's ranges", None)


def check_required_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Every taggable resource carries regionkit:region (this region), regionkit:zone and regionkit:partner."""
    if args.resource_type not in TAGGABLE:
        return
    tags = args.props.get("tags") or {}
    missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
    if missing:
        report(f"{args.name}: missing tags {', '.join(missing)}", None)
    elif tags["regionkit:region"] != _config(args).get("region"):
        stack = _config(args).get("region")
        report(f"{args.name}: tagged regionkit:region={tags['regionkit:region']}, the stack is {stack}", None)


def check_replication(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No bucket replication to a cloud region outside the region's allowed data regions.

    Alibaba names the target (`oss-<region>`); AWS does not, so regionkit names replica buckets
    `<bucket>-<cloud region>` and a target that does not follow that is refused as unprovable.
    """
    allowed = list(_config(args).get("allowedRegions", []))
    t, p = args.resource_type, args.props
    if t == "alicloud:oss/bucketReplication:BucketReplication":
        location = str((p.get("destination") or {}).get("location", ""))
        target = location.removeprefix("oss-")
        if target not in allowed:
            report(f"{args.name}: replicates to {target or 'an unknown location'}, outside {allowed}", None)
    elif t == "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
        for rule in p.get("rules") or []:
            arn = str((rule.get("destination") or {}).get("bucket", ""))
            if not any(arn.endswith(f"-{r}") for r in allowed):
                report(f"{args.name}: replicates to {arn}, not provably inside {allowed}", None)


def _key_of(resource: Any, region: str) -> str | None:
    """Why the resource's KMS key is not this region's own, or None when it is."""
    keys = [d for d in resource.dependencies if d.resource_type in ("alicloud:kms/key:Key", "aws:kms/key:Key")]
    if not keys:
        return "its key is not a KMS key of this stack"
    for key in keys:
        owner = (key.props.get("tags") or {}).get("regionkit:region")
        if owner != region:
            return f"its key {key.name} belongs to {owner or 'no region'}"
    return None


def check_buckets(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every bucket is encrypted with this region's own KMS key, versioned, and closed to the public."""
    region = _config(args).get("region", "")
    by_name = {(r.resource_type, r.name): r for r in args.resources}
    encrypted_by: Any
    for bucket in [r for r in args.resources if r.resource_type in BUCKETS]:
        name = bucket.name
        if bucket.resource_type.startswith("alicloud:"):
            sse = bucket.props.get("serverSideEncryptionRule") or {}
            versioning = (bucket.props.get("versioning") or {}).get("status")
            acl = by_name.get(("alicloud:oss/bucketAcl:BucketAcl", f"{name}-acl"))
            block = by_name.get(("alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{name}-public"))
            public = bucket.props.get("acl") not in (None, "private") or acl is None or acl.props.get("acl") != "private"
            closed = block is not None and block.props.get("blockPublicAccess") is True
            algo, encrypted_by = sse.get("sseAlgorithm"), bucket
        else:
            sse_type = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
            conf = by_name.get((sse_type, f"{name}-sse"))
            rule = ((conf.props.get("rules") or [{}])[0] if conf else {}).get("applyServerSideEncryptionByDefault") or {}
            ver = by_name.get(("aws:s3/bucketVersioning:BucketVersioning", f"{name}-versioning"))
            versioning = ((ver.props.get("versioningConfiguration") or {}) if ver else {}).get("status")
            block = by_name.get(("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{name}-public"))
            flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
            closed = block is not None and all(block.props.get(f) is True for f in flags)
            public = bucket.props.get("acl") not in (None, "private")
            algo, encrypted_by = rule.get("sseAlgorithm"), conf
        if algo not in ("KMS", "aws:kms") or encrypted_by is None:
            report(f"bucket {name}: not encrypted with a KMS key", bucket.urn)
        elif (why := _key_of(encrypted_by, region)) is not None:
            report(f"bucket {name}: not encrypted with this region's own key: {why}", bucket.urn)
        if versioning != "Enabled":
            report(f"bucket {name}: versioning is not enabled", bucket.urn)
        if public or not closed:
            report(f"bucket {name}: not closed to the public (private ACL and a public-access block required)", bucket.urn)


def _resource(name: str, description: str, fn: Callable[[ResourceValidationArgs, ReportViolation], None]) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description=description, validate=fn, config_schema=CONFIG_SCHEMA)


POLICIES = [
    _resource("allowed-cloud-regions", "Resources only in the region's allowed cloud regions", check_allowed_regions),
    _resource("no-public-ingress", "No ingress from 0.0.0.0/0 to node pools", check_no_public_ingress),
    _resource("required-tags", "Every resource carries the regionkit tags", check_required_tags),
    _resource("no-replication-out-of-jurisdiction", "No replication leaving the jurisdiction", check_replication),
    StackValidationPolicy(
        name="buckets-encrypted-private",
        description="Buckets encrypted with the region's own key, versioned and never public",
        validate=check_buckets,
        config_schema=CONFIG_SCHEMA,
    ),
]


def policy_config(region: str, allowed_regions: list[str]) -> dict[str, dict[str, Any]]:
    """The --policy-pack-config document for one region."""
    return {p.name: {"region": region, "allowedRegions": allowed_regions} for p in POLICIES}
