"""What a region's Pulumi stack will create, as plain data: the program in stacks/ turns this
plan into resources, one seam per cloud. Pure: no Pulumi import here.

The colo servers' ranges (management, BMC, storage, fabric) are never cloud subnets: they live
behind the dedicated link, and the VPC has its own range (`network.vpc`) so that its local route
shadows none of them. The link comes in two phases (`link.state`): `ordered` creates the circuit
only; `enabled` adds the border router or virtual interface, its BGP session, and the routing that
joins the colo to the VPC.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from ipaddress import IPv4Network

from regionkit.catalog.cloud_rules import LINK_RULES, MIN_SUBNET_PREFIX
from regionkit.catalog.load import Catalog
from regionkit.catalog.model import RegionSpec
from regionkit.planning.servers import PoolPlan, plan_pools

# Alibaba Cloud Assistant activation codes live 1 to 4 hours: ECS API CreateActivation,
# TimeToLiveInHours (alibabacloud_ecs20140526 CreateActivationRequest; pulumi_alicloud's
# ecs.Activation still says 1 to 24, but the API the bootstrap calls takes 4 at most). The bootstrap
# creates the codes just before it registers the nodes.
ALICLOUD_ACTIVATION_TTL_H = 4
# The PrivateZone service addresses the colo's resolvers forward to once CEN routes PrivateZone to
# the VBR (alibabacloud.com/help/en/cen/user-guide/configure-privatezone-2; dns service-address).
ALICLOUD_PRIVATEZONE_RESOLVERS = ("100.100.2.136", "100.100.2.138")
# The address of a cloud subnet the DNS resolver endpoint takes (AWS reserves the first four).
RESOLVER_HOST_INDEX = 10


@dataclass(frozen=True)
class LinkPlan:
    """One zone's dedicated link, in the state the catalog declares."""

    name: str
    zone: str
    facility: str
    partner: str
    state: str  # planned | ordered | enabled
    kind: str  # dedicated | hosted
    location: str
    port: str
    bandwidth: str
    connection_id: str
    vlan_id: int | None
    peer_asn: int | None
    cloud_asn: int
    cloud_address: str  # cloud side of the /30
    peer_address: str  # partner router side
    prefix_length: int

    @property
    def ordered(self) -> bool:
        """The circuit exists in the cloud (ordered or enabled)."""
        return self.state in ("ordered", "enabled")

    @property
    def enabled(self) -> bool:
        return self.state == "enabled"

    @property
    def creates_circuit(self) -> bool:
        """The stack orders the circuit itself (dedicated); a hosted one is the partner's."""
        return self.ordered and self.kind == "dedicated"

    @property
    def netmask(self) -> str:
        return str(IPv4Network(f"0.0.0.0/{self.prefix_length}").netmask)


@dataclass(frozen=True)
class CloudSubnetPlan:
    """A subnet of the VPC's own range, in one cloud zone: where the cloud-side endpoints live."""

    name: str
    cidr: str
    cloud_zone: str
    resolver_address: str  # the inbound DNS endpoint's fixed address here (aws)


@dataclass(frozen=True)
class RegistrationPlan:
    """How one pool's servers register with the cloud's node manager."""

    name: str  # the activation's name and the registered instances' name prefix
    service: str  # "ssm" (aws, created by the stack) or "cloud-assistant" (alicloud, created at bootstrap)
    servers: int
    rotated: str  # ISO date the activation was issued; changing it re-issues
    expires: str  # ISO timestamp (aws); "" where the activation is made at bootstrap
    ttl_hours: int  # alicloud: validity of the code the bootstrap creates
    ip_ranges: tuple[str, ...]  # hosts that may use it: the zone's management range


@dataclass(frozen=True)
class PoolStackPlan:
    pool: PoolPlan
    registration: RegistrationPlan
    tags: dict[str, str]


@dataclass(frozen=True)
class ZoneStackPlan:
    id: str
    cloud_zone: str
    facility: str
    partner: str
    subnets: dict[str, str]  # the colo's ranges in this facility (reported, never created in the cloud)
    link: LinkPlan
    pools: tuple[PoolStackPlan, ...]
    tags: dict[str, str]


@dataclass(frozen=True)
class BucketPlan:
    purpose: str  # "artifacts" or "evidence"
    name: str
    replicate_to: tuple[str, ...]


@dataclass(frozen=True)
class KeptResource:
    """A resource `destroy` leaves in the cloud: protected in the stack and retained on delete."""

    kind: str  # key | bucket | circuit
    name: str  # the resource's name in the stack
    why: str


@dataclass(frozen=True)
class StackPlan:
    region: str
    backend: str
    cloud_region: str
    jurisdiction: str
    data_regions: tuple[str, ...]
    supernet: str
    vpc_cidr: str
    cloud_subnets: tuple[CloudSubnetPlan, ...]
    routed: tuple[str, ...]  # colo ranges the cloud reaches over the links: management and monitoring
    monitoring: str
    management: tuple[str, ...]
    dns_zone: str
    buckets: tuple[BucketPlan, ...]
    zones: tuple[ZoneStackPlan, ...]
    tags: dict[str, str]
    cloud_asn: int
    kms_instance: str  # alicloud: the KMS instance the region key lives in
    oss_redundancy: str  # alicloud: ZRS where clouds.yml says the region offers it, else LRS
    mirror_service: str  # the private endpoint service of the object store
    secrets_provider: str
    package_proxy: str = ""  # the region's apt caching proxy (packages.proxy), published in the private zone
    package_source: str = ""  # the apt base URL nodes install from (StackOutputs.package_source)
    kept: tuple[KeptResource, ...] = field(default=())

    @property
    def links(self) -> tuple[LinkPlan, ...]:
        return tuple(z.link for z in self.zones)

    @property
    def routes_to_colo(self) -> bool:
        """At least one link is enabled: the region's hub attaches the VPC and routes the colo."""
        return any(link.enabled for link in self.links)

    @property
    def key_name(self) -> str:
        return f"{self.region}-key"

    @property
    def resolvers(self) -> tuple[str, ...]:
        """The addresses colo servers send DNS queries for the private zone to."""
        if self.backend == "alicloud":
            return ALICLOUD_PRIVATEZONE_RESOLVERS
        return tuple(s.resolver_address for s in self.cloud_subnets)

    def kept_on_destroy(self) -> tuple[KeptResource, ...]:
        """What `destroy` will not remove (it runs with protected resources excluded)."""
        return self.kept


def tags_for(region: str, zone: str, partner: str) -> dict[str, str]:
    """The three tags every resource carries."""
    return {"regionkit:region": region, "regionkit:zone": zone, "regionkit:partner": partner}


def bucket_guard_names(backend: str, bucket: str) -> tuple[str, ...]:
    """The resources that keep a bucket encrypted, versioned and private; kept with it. On alicloud
    encryption and versioning are the bucket's own inputs; on aws each is a resource of its own."""
    if backend == "alicloud":
        return (f"{bucket}-acl", f"{bucket}-public")
    return (f"{bucket}-sse", f"{bucket}-versioning", f"{bucket}-public")


def plan_stack(catalog: Catalog, region: RegionSpec) -> StackPlan:
    """The stack of one region (validate it first)."""
    pools = plan_pools(catalog, region)
    rules = LINK_RULES.get(region.cloud.backend)
    cloud_asn = region.cloud.asn or (rules.default_asn if rules else 0)
    management = tuple(str(z.network.management) for z in region.zones)
    links = list(region.network.interconnect.subnets(new_prefix=30))
    zones = []
    for i, zone in enumerate(region.zones):
        tags = tags_for(region.key, zone.id, zone.partner)
        peering: IPv4Network = links[i]
        hosts = list(peering.hosts())
        subnets = {"management": zone.network.management, "storage": zone.network.storage, "fabric": zone.network.fabric}
        if zone.network.bmc is not None:
            subnets["bmc"] = zone.network.bmc
        spec = zone.link
        link = LinkPlan(
            name=f"{zone.id}-{zone.facility_code.lower()}",
            zone=zone.id,
            facility=zone.facility,
            partner=zone.partner,
            state=spec.state,
            kind=spec.kind,
            location=spec.location,
            port=spec.port,
            bandwidth=spec.bandwidth,
            connection_id=spec.connection_id,
            vlan_id=spec.vlan_id,
            peer_asn=spec.peer_asn,
            cloud_asn=cloud_asn,
            cloud_address=str(hosts[0]),
            peer_address=str(hosts[1]),
            prefix_length=peering.prefixlen,
        )
        zone_pools = []
        for p in pools:
            if p.zone != zone.id:
                continue
            zone_pools.append(
                PoolStackPlan(
                    pool=p,
                    registration=_registration(region, p, str(zone.network.management)),
                    tags=tags,
                )
            )
        zones.append(
            ZoneStackPlan(
                id=zone.id,
                cloud_zone=zone.cloud_zone,
                facility=zone.facility,
                partner=zone.partner,
                subnets={k: str(v) for k, v in subnets.items()},
                link=link,
                pools=tuple(zone_pools),
                tags=tags,
            )
        )
    regional = tags_for(region.key, "regional", "+".join(sorted({z.partner for z in region.zones})))
    prefix = catalog.policy.operator.resource_prefix
    replication: dict[str, list[str]] = {}
    for r in region.residency.replication:
        replication.setdefault(r.bucket, [])
        replication[r.bucket].append(r.to)
    buckets = tuple(
        BucketPlan(purpose=p, name=f"{prefix}-{region.key}-{p}", replicate_to=tuple(replication.get(p, [])))
        for p in ("artifacts", "evidence")
    )
    facts = catalog.clouds.alicloud.get(region.cloud.region_id) if region.cloud.backend == "alicloud" else None
    vpc = region.network.vpc
    plan = StackPlan(
        region=region.key,
        backend=region.cloud.backend,
        cloud_region=region.cloud.region_id,
        jurisdiction=region.jurisdiction,
        data_regions=tuple(region.residency.data_regions),
        supernet=str(region.network.supernet),
        vpc_cidr=str(vpc) if vpc else "",
        cloud_subnets=_cloud_subnets(region.key, vpc, region.cloud_zones()),
        routed=(*management, str(region.network.monitoring)),
        monitoring=str(region.network.monitoring),
        management=management,
        dns_zone=f"{region.key}.internal",
        buckets=buckets,
        zones=tuple(zones),
        tags=regional,
        cloud_asn=cloud_asn,
        kms_instance=facts.kms_instance if facts else "",
        oss_redundancy="ZRS" if facts and facts.oss_zrs else "LRS",
        mirror_service=_mirror_service(region, facts.oss_private_service if facts else ""),
        secrets_provider=region.cloud.secrets_provider,
        package_proxy=str(region.packages.proxy) if region.packages else "",
        package_source=region.packages.url if region.packages else "",
    )
    return _with_kept(plan)


def _mirror_service(region: RegionSpec, alicloud_service: str) -> str:
    if region.cloud.backend == "aws":
        # S3 interface endpoints: com.amazonaws.<region>.s3 (pulumi_aws ec2.VpcEndpoint service_name).
        return f"com.amazonaws.{region.cloud.region_id}.s3"
    return alicloud_service


def _cloud_subnets(key: str, vpc: IPv4Network | None, zones: list[str]) -> tuple[CloudSubnetPlan, ...]:
    """One subnet of the VPC's range per cloud zone, equal halves (quarters, ...) in zone order."""
    if vpc is None or not zones:
        return ()
    bits = max(1, math.ceil(math.log2(len(zones))))
    if vpc.prefixlen + bits > MIN_SUBNET_PREFIX:
        return ()  # too small; the stack.vpc validator says so
    parts = list(vpc.subnets(prefixlen_diff=bits))
    return tuple(
        CloudSubnetPlan(
            name=f"{key}-{zone}", cidr=str(net), cloud_zone=zone, resolver_address=str(net.network_address + RESOLVER_HOST_INDEX)
        )
        for zone, net in zip(zones, parts, strict=False)
    )


def _registration(region: RegionSpec, pool: PoolPlan, management: str) -> RegistrationPlan:
    name = f"{pool.zone}-{pool.name}"
    if region.cloud.backend == "aws" and region.registration is not None:
        reg = region.registration
        expires = dt.datetime.combine(reg.rotated + dt.timedelta(days=reg.valid_days), dt.time(), tzinfo=dt.UTC)
        return RegistrationPlan(
            name=f"{name}-nodes",
            service="ssm",
            servers=len(pool.servers),
            rotated=reg.rotated.isoformat(),
            expires=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ttl_hours=reg.valid_days * 24,
            ip_ranges=(management,),
        )
    return RegistrationPlan(
        name=name,
        service="cloud-assistant",
        servers=len(pool.servers),
        rotated="",
        expires="",
        ttl_hours=ALICLOUD_ACTIVATION_TTL_H,
        ip_ranges=(management,),
    )


def _with_kept(plan: StackPlan) -> StackPlan:
    kept = [KeptResource("key", plan.key_name, "the region key: buckets and evidence stay decryptable")]
    for b in plan.buckets:
        kept.append(KeptResource("bucket", b.name, f"the {b.purpose} bucket and its contents"))
        guards = bucket_guard_names(plan.backend, b.name)
        kept.extend(KeptResource("bucket", g, f"keeps {b.name} encrypted, versioned and private") for g in guards)
    for link in plan.links:
        if link.creates_circuit:
            kept.append(KeptResource("circuit", link.name, f"the dedicated circuit to {link.facility} (a carrier contract)"))
        elif link.ordered and plan.backend == "aws":
            kept.append(KeptResource("circuit", link.name, f"the accepted hosted connection to {link.facility}"))
    return StackPlan(**{**plan.__dict__, "kept": tuple(kept)})


# ecs.Activation instance_count: "Valid values: 1 to 1000"; a larger pool takes several activations.
ALICLOUD_ACTIVATION_MAX_INSTANCES = 1000


def activation_request(plan: StackPlan, pool: PoolStackPlan) -> list[dict[str, str | int]]:
    """The ECS CreateActivation requests that register one pool's servers as Cloud Assistant managed
    instances (alicloud). The bootstrap makes them just before registration: the code is returned
    only in the response and lives at most 4 hours (ECS API
    CreateActivation). Parameter names are the API's."""
    reg = pool.registration
    requests: list[dict[str, str | int]] = []
    remaining, part = reg.servers, 0
    while remaining > 0:
        count = min(remaining, ALICLOUD_ACTIVATION_MAX_INSTANCES)
        part += 1
        requests.append(
            {
                "RegionId": plan.cloud_region,
                "InstanceName": reg.name if reg.servers <= ALICLOUD_ACTIVATION_MAX_INSTANCES else f"{reg.name}-{part}",
                "InstanceCount": count,
                "TimeToLiveInHours": reg.ttl_hours,
                "IpAddressRange": reg.ip_ranges[0],
                "Description": f"regionkit {plan.region} pool {pool.pool.zone}/{pool.pool.name}"[:100],
            }
        )
        remaining -= count
    return requests
