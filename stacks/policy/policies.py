"""Mandatory policies of the regionkit pack. Each reads the same configuration, written per region
by regionkit (`policy_config`): the region key and the cloud regions that may hold its data.

Resource policies decide on a resource's *inputs*, which the engine sends before it creates the
resource, in `preview` and in `up` alike (pulumi_policy ResourceValidationArgs.props: "The inputs
of the resource"). In a preview an input that depends on another resource's output is unknown, and
reading it raises UnknownValueError, which the engine turns into an advisory "can't run policy"
note: so no policy reads a value it does not need, and a value that may be unknown is read through
`_value`, which says so instead of raising. The stack policy reads only names, types, dependencies
and literal inputs, so it too runs in a preview.

Property names are the engine's (camelCase), as the pack receives them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

REQUIRED_TAGS = ("regionkit:region", "regionkit:zone", "regionkit:partner")

# Resource types the program creates that accept tags (others, e.g. DNS records, take none).
TAGGABLE = {
    "alicloud:vpc/network:Network",
    "alicloud:vpc/switch:Switch",
    "alicloud:pvtz/zone:Zone",
    "alicloud:kms/key:Key",
    "alicloud:oss/bucket:Bucket",
    "alicloud:ecs/securityGroup:SecurityGroup",
    "alicloud:privatelink/vpcEndpoint:VpcEndpoint",
    "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter",
    "alicloud:cen/instance:Instance",
    "alicloud:cen/transitRouter:TransitRouter",
    "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable",
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment",
    "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/managedPrefixList:ManagedPrefixList",
    "aws:ec2/vpnGateway:VpnGateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:route53/zone:Zone",
    "aws:route53/resolverEndpoint:ResolverEndpoint",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:directconnect/gateway:Gateway",
    "aws:directconnect/connection:Connection",
    "aws:directconnect/privateVirtualInterface:PrivateVirtualInterface",
    "aws:iam/role:Role",
    "aws:ssm/activation:Activation",
}
BUCKETS = {"alicloud:oss/bucket:Bucket", "aws:s3/bucket:Bucket"}
KEYS = {"alicloud:kms/key:Key", "aws:kms/key:Key"}
OPEN = ("0.0.0.0/0", "::/0")
PREFIX_LISTS = {
    "alicloud:ecs/ecsPrefixList:EcsPrefixList",
    "alicloud:vpc/prefixList:PrefixList",
    "aws:ec2/managedPrefixList:ManagedPrefixList",
}
AWS_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
AWS_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
AWS_PUBLIC_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALI_ACL = "alicloud:oss/bucketAcl:BucketAcl"
ALI_PUBLIC_BLOCK = "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock"
AWS_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

# What `destroy` must leave and nothing may replace: keys, buckets and what keeps them closed, circuits.
PROTECTED = {
    *KEYS,
    *BUCKETS,
    AWS_SSE,
    AWS_VERSIONING,
    AWS_PUBLIC_BLOCK,
    ALI_ACL,
    ALI_PUBLIC_BLOCK,
    "alicloud:expressconnect/physicalConnection:PhysicalConnection",
    "aws:directconnect/connection:Connection",
    "aws:directconnect/connectionConfirmation:ConnectionConfirmation",
}

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "region": {"type": "string"},
        "allowedRegions": {"type": "array", "items": {"type": "string"}},
    },
    required=["region", "allowedRegions"],
)


class _Unknown:
    """A value the engine does not know yet (an output of a resource not yet created)."""

    def __repr__(self) -> str:
        return "<unknown in preview>"


UNKNOWN = _Unknown()


def _value(props: Any, *path: str | int) -> Any:
    """The input at `path`: None when absent, UNKNOWN when the engine cannot know it yet. Never
    raises on an unknown (the engine would turn that into an advisory skip of the whole policy)."""
    current = props
    for key in path:
        if current is None or current is UNKNOWN:
            return current
        try:
            if isinstance(key, int):
                current = current[key] if isinstance(current, Sequence) and len(current) > key else None
            elif isinstance(current, Mapping):
                current = current[key] if key in list(iter(current)) else None  # iterating reads no value
            else:
                return None
        except UnknownValueError:
            return UNKNOWN
    return current


def _items(sequence: Any) -> list[Any]:
    """The elements of a (possibly proxied) list input, each read through `_value`."""
    if sequence is None or sequence is UNKNOWN or isinstance(sequence, str):
        return []
    return [_value(sequence, i) for i in range(len(sequence))]


def _config(args: Any) -> Mapping[str, Any]:
    return args.get_config() or {}


def check_allowed_regions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Providers (and AWS resources that name a region) only in the region's allowed cloud regions."""
    allowed = _config(args).get("allowedRegions", [])
    region = _value(args.props, "region")
    if args.resource_type.startswith("pulumi:providers:") or (args.resource_type.startswith("aws:") and region is not None):
        if region is None:
            report(f"{args.name}: provider without an explicit region; regionkit pins every provider to one", None)
        elif region is UNKNOWN or region not in allowed:
            report(f"{args.name}: cloud region {region} is not one of the region's data regions {allowed}", None)


def check_no_public_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No ingress from anywhere (0.0.0.0/0 or ::/0)."""
    t, p = args.resource_type, args.props
    sources: list[Any] = []
    if t == "alicloud:ecs/securityGroupRule:SecurityGroupRule" and _value(p, "type") == "ingress":
        sources = [_value(p, "cidrIp"), _value(p, "ipv6CidrIp")]
    elif t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        sources = [_value(p, "cidrIpv4"), _value(p, "cidrIpv6")]
    elif t in ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"):
        rules = _items(_value(p, "ingress")) or ([p] if _value(p, "type") == "ingress" else [])
        for rule in rules:
            sources += _items(_value(rule, "cidrBlocks")) + _items(_value(rule, "ipv6CidrBlocks"))
    if t in PREFIX_LISTS:  # a rule's source list: an entry for everyone opens every rule that names it
        sources = [_value(entry, "cidr") for entry in _items(_value(p, "entries") or _value(p, "entrys"))]
    for source in sources:
        if source in OPEN:
            report(f"{args.name}: ingress from {source}; only the region's colo ranges may reach cloud-side endpoints", None)


def check_required_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Every taggable resource carries regionkit:region (this region), regionkit:zone and regionkit:partner."""
    if args.resource_type not in TAGGABLE:
        return
    tags = _value(args.props, "tags")
    if tags is UNKNOWN:
        report(f"{args.name}: tags are not known before creation; regionkit tags are literal", None)
        return
    tags = tags or {}
    missing = [t for t in REQUIRED_TAGS if not _value(tags, t)]
    if missing:
        report(f"{args.name}: missing tags {', '.join(missing)}", None)
    elif _value(tags, "regionkit:region") != _config(args).get("region"):
        stack = _config(args).get("region")
        report(f"{args.name}: tagged regionkit:region={_value(tags, 'regionkit:region')}, the stack is {stack}", None)


def check_replication(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No bucket replication to a cloud region outside the region's allowed data regions.

    Alibaba names the target (`oss-<region>`); AWS does not, so regionkit names replica buckets
    `<bucket>-<cloud region>` and a target that does not follow that is refused as unprovable.
    """
    allowed = list(_config(args).get("allowedRegions", []))
    t, p = args.resource_type, args.props
    if t == "alicloud:oss/bucketReplication:BucketReplication":
        location = _value(p, "destination", "location")
        target = location.removeprefix("oss-") if isinstance(location, str) else ""
        if target not in allowed:
            report(f"{args.name}: replicates to {target or 'an unknown location'}, outside {allowed}", None)
    elif t == "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
        for rule in _items(_value(p, "rules")):
            arn = _value(rule, "destination", "bucket")
            if not (isinstance(arn, str) and any(arn.endswith(f"-{r}") for r in allowed)):
                report(f"{args.name}: replicates to {arn}, not provably inside {allowed}", None)


def _key_allowed(key: Any, allowed: list[str]) -> str | None:
    """Why a known KMS key reference is not in an allowed region (AWS ARNs name theirs), or None."""
    if not isinstance(key, str) or not key.startswith("arn:"):
        return None
    parts = key.split(":")
    region = parts[3] if len(parts) > 3 else ""
    return None if region in allowed else f"its key {key} is in {region or 'no region'}, outside {allowed}"


def check_bucket_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Buckets are encrypted server-side with a KMS key (never the service's own key) of an allowed region."""
    t, p = args.resource_type, args.props
    allowed = list(_config(args).get("allowedRegions", []))
    if t == "alicloud:oss/bucket:Bucket":
        algorithm, key = _value(p, "serverSideEncryptionRule", "sseAlgorithm"), _value(p, "serverSideEncryptionRule", "kmsMasterKeyId")
    elif t == AWS_SSE:
        rule = ("rules", 0, "applyServerSideEncryptionByDefault")
        algorithm, key = _value(p, *rule, "sseAlgorithm"), _value(p, *rule, "kmsMasterKeyId")
    else:
        return
    if algorithm not in ("KMS", "aws:kms"):
        report(f"{args.name}: server-side encryption is {algorithm or 'not set'}; it must be KMS with the region's key", None)
    elif key is None or key == "":
        report(f"{args.name}: KMS encryption names no key; the region's own key is required", None)
    elif (why := _key_allowed(key, allowed)) is not None:
        report(f"{args.name}: {why}", None)


def check_bucket_versioning(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Buckets keep every version of every object."""
    t, p = args.resource_type, args.props
    if t == "alicloud:oss/bucket:Bucket":
        status = _value(p, "versioning", "status")
    elif t == AWS_VERSIONING:
        status = _value(p, "versioningConfiguration", "status")
    else:
        return
    if status != "Enabled":
        report(f"{args.name}: versioning is {status or 'not set'}; it must be Enabled", None)


def check_bucket_private(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Buckets are private: a private ACL where one is set, and a public-access block that blocks everything."""
    t, p = args.resource_type, args.props
    if t in BUCKETS or t in (ALI_ACL, "aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"):
        acl = _value(p, "acl")
        if acl is not None and acl != "private":
            report(f"{args.name}: ACL {acl}; buckets are private", None)
    if t == ALI_PUBLIC_BLOCK and _value(p, "blockPublicAccess") is not True:
        report(f"{args.name}: the public-access block does not block public access", None)
    if t == AWS_PUBLIC_BLOCK:
        off = [f for f in AWS_BLOCK_FLAGS if _value(p, f) is not True]
        if off:
            report(f"{args.name}: the public-access block leaves {', '.join(off)} off", None)


def check_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Region keys live in a KMS instance (alicloud), rotate, stay in their region and resist deletion."""
    t, p = args.resource_type, args.props
    if t == "alicloud:kms/key:Key":
        instance = _value(p, "dkmsInstanceId")
        if instance is None or instance == "":
            report(f"{args.name}: no KMS instance (dkmsInstanceId); Alibaba allows one default key per region without one", None)
        if _value(p, "deletionProtection") != "Enabled":
            report(f"{args.name}: deletion protection is not Enabled", None)
        if _value(p, "automaticRotation") != "Enabled":
            report(f"{args.name}: automatic rotation is not Enabled", None)
    elif t == "aws:kms/key:Key":
        if _value(p, "enableKeyRotation") is not True:
            report(f"{args.name}: key rotation is not enabled", None)
        if _value(p, "multiRegion") is True:
            report(f"{args.name}: a multi-Region key is copied out of the region", None)
        if _value(p, "deletionWindowInDays") != 30:
            report(f"{args.name}: deletion window is not the longest (30 days)", None)


def check_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Keys, buckets and what keeps them private, and circuits are protected: the engine refuses to delete
    or replace them (resource option `protect`; regionkit also retains them on delete)."""
    if args.resource_type not in PROTECTED:
        return
    opts = getattr(args, "opts", None)
    if not getattr(opts, "protect", False):
        report(f"{args.name}: not protected; keys, buckets and circuits must survive a destroy or a replacement", None)
    if args.resource_type == "aws:directconnect/connection:Connection" and _value(args.props, "skipDestroy") is not True:
        report(f"{args.name}: skip_destroy is not set; a destroy would release the port", None)
    if args.resource_type in BUCKETS and _value(args.props, "forceDestroy") is True:
        report(f"{args.name}: force_destroy would delete every object with the bucket", None)


def check_dx_prefixes(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A DX gateway association advertises explicit prefixes (without them, the whole VPC CIDR)."""
    if args.resource_type != "aws:directconnect/gatewayAssociation:GatewayAssociation":
        return
    prefixes = _value(args.props, "allowedPrefixes")
    if not prefixes:
        report(f"{args.name}: no allowed_prefixes; the association would advertise the whole VPC CIDR to the colo", None)


def check_activation_expiry(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Node activations carry an explicit expiry (SSM's default is 24 hours from creation)."""
    if args.resource_type == "aws:ssm/activation:Activation" and not _value(args.props, "expirationDate"):
        report(f"{args.name}: no expiration_date; regionkit derives it from registration.rotated", None)


def _key_of(resource: Any, region: str) -> str | None:
    """Why the resource's KMS key is not this region's own, or None when it is."""
    keys = [d for d in resource.dependencies if d.resource_type in KEYS]
    if not keys:
        return "its key is not a KMS key of this stack"
    for key in keys:
        owner = _value(key.props, "tags", "regionkit:region")
        if owner != region:
            return f"its key {key.name} belongs to {owner or 'no region'}"
    return None


def check_buckets(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every bucket has what keeps it encrypted with this region's own key, versioned and closed."""
    region = _config(args).get("region", "")
    by_name = {(r.resource_type, r.name): r for r in args.resources}
    for bucket in [r for r in args.resources if r.resource_type in BUCKETS]:
        name = bucket.name
        encrypted_by: Any
        if bucket.resource_type.startswith("alicloud:"):
            encrypted_by, needed = bucket, [(ALI_ACL, f"{name}-acl"), (ALI_PUBLIC_BLOCK, f"{name}-public")]
        else:
            encrypted_by = by_name.get((AWS_SSE, f"{name}-sse"))
            needed = [(AWS_SSE, f"{name}-sse"), (AWS_VERSIONING, f"{name}-versioning"), (AWS_PUBLIC_BLOCK, f"{name}-public")]
        missing = [n for t, n in needed if (t, n) not in by_name]
        if missing:
            report(f"bucket {name}: without {', '.join(missing)} it is not provably encrypted, versioned and private", bucket.urn)
        if encrypted_by is not None and (why := _key_of(encrypted_by, region)) is not None:
            report(f"bucket {name}: not encrypted with this region's own key: {why}", bucket.urn)


def check_ecs_prefix_lists(args: StackValidationArgs, report: ReportViolation) -> None:
    """ECS security-group rules take their sources from ECS prefix lists, never VPC ones."""
    for rule in [r for r in args.resources if r.resource_type == "alicloud:ecs/securityGroupRule:SecurityGroupRule"]:
        for source in rule.property_dependencies.get("prefixListId", []):
            if source.resource_type != "alicloud:ecs/ecsPrefixList:EcsPrefixList":
                report(
                    f"{rule.name}: prefix list {source.name} is a {source.resource_type}; ECS rules need an ECS prefix list", rule.urn
                )


def _resource(name: str, description: str, fn: Callable[[ResourceValidationArgs, ReportViolation], None]) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description=description, validate=fn, config_schema=CONFIG_SCHEMA)


def _stack(name: str, description: str, fn: Callable[[StackValidationArgs, ReportViolation], None]) -> StackValidationPolicy:
    return StackValidationPolicy(name=name, description=description, validate=fn, config_schema=CONFIG_SCHEMA)


POLICIES = [
    _resource("allowed-cloud-regions", "Resources only in the region's allowed cloud regions", check_allowed_regions),
    _resource("no-public-ingress", "No ingress from 0.0.0.0/0", check_no_public_ingress),
    _resource("required-tags", "Every resource carries the regionkit tags", check_required_tags),
    _resource("no-replication-out-of-jurisdiction", "No replication leaving the jurisdiction", check_replication),
    _resource("buckets-encrypted", "Buckets encrypted with a KMS key of the region", check_bucket_encryption),
    _resource("buckets-versioned", "Buckets versioned", check_bucket_versioning),
    _resource("buckets-private", "Buckets private: private ACL and a full public-access block", check_bucket_private),
    _resource("region-keys", "Keys in a KMS instance, rotated, single-region, deletion-protected", check_keys),
    _resource("protected-resources", "Keys, buckets and circuits protected from delete and replace", check_protected),
    _resource("dx-explicit-prefixes", "DX gateway associations advertise explicit prefixes", check_dx_prefixes),
    _resource("activation-expiry", "Node activations carry an explicit expiry", check_activation_expiry),
    _stack("buckets-complete", "Each bucket has its guards and the region's own key", check_buckets),
    _stack("ecs-prefix-lists", "ECS rules use ECS prefix lists", check_ecs_prefix_lists),
]


def policy_config(region: str, allowed_regions: list[str]) -> dict[str, dict[str, Any]]:
    """The --policy-pack-config document for one region."""
    return {p.name: {"region": region, "allowedRegions": allowed_regions} for p in POLICIES}
