"""What a region's Pulumi stack will create, as plain data: the program in stacks/ turns this
plan into resources, one seam per cloud. Pure: no Pulumi import here."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

from regionkit.catalog.load import Catalog
from regionkit.catalog.model import RegionSpec
from regionkit.planning.servers import PoolPlan, plan_pools

SSH_PORT = 22
# node_exporter (9100), DCGM exporter (9400) and what lies between: the metrics scrapers' ports.
METRICS_PORTS = (9100, 9400)


@dataclass(frozen=True)
class RulePlan:
    """One ingress rule of a pool's security group."""

    name: str
    protocol: str  # "tcp" or "all"
    from_port: int
    to_port: int
    source_cidr: str | None  # a range; None with source_prefix_list False: "this security group itself"
    description: str
    source_prefix_list: bool = False  # from the region's management prefix list


@dataclass(frozen=True)
class PoolStackPlan:
    pool: PoolPlan
    rules: tuple[RulePlan, ...]
    tags: dict[str, str]


@dataclass(frozen=True)
class LinkPlan:
    name: str
    facility: str
    location: str
    bandwidth_mbps: int
    vlan_id: int
    cloud_address: str  # cloud side of the /30
    peer_address: str  # partner router side
    prefix_length: int


@dataclass(frozen=True)
class ZoneStackPlan:
    id: str
    cloud_zone: str
    facility: str
    partner: str
    subnets: dict[str, str]  # management, storage, fabric (and bmc when declared)
    link: LinkPlan
    pools: tuple[PoolStackPlan, ...]
    tags: dict[str, str]


@dataclass(frozen=True)
class BucketPlan:
    purpose: str  # "artifacts" or "evidence"
    name: str
    replicate_to: tuple[str, ...]


@dataclass(frozen=True)
class StackPlan:
    region: str
    backend: str
    cloud_region: str
    jurisdiction: str
    data_regions: tuple[str, ...]
    supernet: str
    monitoring: str
    management: tuple[str, ...]
    dns_zone: str
    buckets: tuple[BucketPlan, ...]
    zones: tuple[ZoneStackPlan, ...]
    tags: dict[str, str]


def tags_for(region: str, zone: str, partner: str) -> dict[str, str]:
    """The three tags every resource carries."""
    return {"regionkit:region": region, "regionkit:zone": zone, "regionkit:partner": partner}


def plan_stack(catalog: Catalog, region: RegionSpec) -> StackPlan:
    """The stack of one region (validate it first)."""
    pools = plan_pools(catalog, region)
    management = tuple(str(z.network.management) for z in region.zones)
    links = list(region.network.interconnect.subnets(new_prefix=30))
    zones = []
    for i, zone in enumerate(region.zones):
        tags = tags_for(region.key, zone.id, zone.partner)
        peering: IPv4Network = links[i]
        hosts = list(peering.hosts())
        subnets = {
            "management": zone.network.management,
            "storage": zone.network.storage,
            "fabric": zone.network.fabric,
        }
        if zone.network.bmc is not None:
            subnets["bmc"] = zone.network.bmc
        zones.append(
            ZoneStackPlan(
                id=zone.id,
                cloud_zone=zone.cloud_zone,
                facility=zone.facility,
                partner=zone.partner,
                subnets={k: str(v) for k, v in subnets.items()},
                link=LinkPlan(
                    name=f"{zone.id}-{zone.facility_code.lower()}",
                    facility=zone.facility,
                    location=zone.link.location,
                    bandwidth_mbps=zone.link.bandwidth_mbps,
                    vlan_id=zone.link.vlan_id or 100 + i,
                    cloud_address=str(hosts[0]),
                    peer_address=str(hosts[1]),
                    prefix_length=peering.prefixlen,
                ),
                pools=tuple(
                    PoolStackPlan(pool=p, rules=_rules(str(region.network.monitoring)), tags=tags) for p in pools if p.zone == zone.id
                ),
                tags=tags,
            )
        )
    regional = tags_for(region.key, "regional", "+".join(sorted({z.partner for z in region.zones})))
    prefix = catalog.policy.operator.resource_prefix
    replication: dict[str, list[str]] = {}
    for r in region.residency.replication:
        replication.setdefault(r.bucket, [])
        replication[r.bucket].append(r.to)
    return StackPlan(
        region=region.key,
        backend=region.cloud.backend,
        cloud_region=region.cloud.region_id,
        jurisdiction=region.jurisdiction,
        data_regions=tuple(region.residency.data_regions),
        supernet=str(region.network.supernet),
        monitoring=str(region.network.monitoring),
        management=management,
        dns_zone=f"{region.key}.internal",
        buckets=tuple(
            BucketPlan(purpose=p, name=f"{prefix}-{region.key}-{p}", replicate_to=tuple(replication.get(p, [])))
            for p in ("artifacts", "evidence")
        ),
        zones=tuple(zones),
        tags=regional,
    )


def _rules(monitoring: str) -> tuple[RulePlan, ...]:
    # SSH is one rule per pool, from a prefix list of every zone's management subnet: the rule
    # count stays linear in pools however many zones the region has.
    rules = [RulePlan("ssh", "tcp", SSH_PORT, SSH_PORT, None, "SSH only from the region's management range", True)]
    rules.append(RulePlan("collectives", "all", 0, 65535, None, "collective traffic only within the pool"))
    rules.append(RulePlan("metrics", "tcp", *METRICS_PORTS, monitoring, "metrics only from the monitoring range"))
    return tuple(rules)
