"""The lab's plan: which hosts the `lab` region gets, their names, addresses and pools, and
where its gateway services listen. Pure; the lab adapter builds it from kernel primitives."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from regionkit.catalog.load import Catalog
from regionkit.catalog.model import RESERVED_HOSTS, HandoverSpec, RegionSpec, server_name
from regionkit.errors import BadInputError
from regionkit.planning.outputs import DnsOutput, MirrorOutput, StackOutputs, ZoneOutput, pool_output
from regionkit.planning.servers import PoolPlan, plan_pools

MAX_NODES = 64
APT_PROXY_PORT = 3142
S3_PORT = 9000
S3_REGION = "us-east-1"  # rclone's S3 server signs and checks in its default region


@dataclass(frozen=True)
class LabHostPlan:
    index: int
    name: str
    zone: str
    pool: str
    address: IPv4Address

    @property
    def netns(self) -> str:
        return f"rk-{self.name}"

    @property
    def veth(self) -> str:
        return f"rkv{self.index}"  # host side; interface names are at most 15 characters


@dataclass(frozen=True)
class LabPlan:
    region: str
    network: IPv4Network  # on-link for every host: no routing, nothing leaves the bridge
    gateway: IPv4Address
    bridge: str
    hosts: tuple[LabHostPlan, ...]
    pools: tuple[PoolPlan, ...]
    bucket: str
    zones: dict[str, dict[str, str]] = field(default_factory=dict)  # zone -> its ranges (management, storage, ...)
    monitoring: str = ""
    spec: RegionSpec | None = None  # the region as sized for the lab (its pools and manifest)
    nodes: int | None = None  # --nodes, when the lab was sized (None: as declared)

    @property
    def apt_proxy(self) -> str:
        return f"http://{self.gateway}:{APT_PROXY_PORT}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://{self.gateway}:{S3_PORT}"


def sized(region: RegionSpec, nodes: int | None) -> RegionSpec:
    """The region with `nodes` hosts spread over its pools in order (None: as declared).

    Where the pools list their servers (the handover manifest), a resized region gets a manifest
    derived for its new size, one the validators accept: names and addresses from the plan,
    serials kept where the declared entry exists, BMC MACs and racks derived (`derive_manifest`)."""
    if nodes is None:
        return region
    if not 1 <= nodes <= MAX_NODES:
        raise BadInputError(f"--nodes {nodes}: the lab takes 1 to {MAX_NODES} hosts")
    pools = region.pools[:nodes] if nodes < len(region.pools) else region.pools
    base, extra = divmod(nodes, len(pools))
    resized = [p.model_copy(update={"servers": base + (i < extra)}) for i, p in enumerate(pools)]
    if [(p.name, p.servers) for p in resized] == [(p.name, p.servers) for p in region.pools]:
        return region  # the declared size: the declared manifest
    region = region.model_copy(update={"pools": resized})
    return derive_manifest(region) if any(p.handover for p in resized) else region


def _nth(net: IPv4Network | None, n: int) -> str:
    assert net is not None, "validate() first: a pool that lists servers is in a zone with that range"
    return str(net.network_address + RESERVED_HOSTS + 1 + n)


def derive_manifest(region: RegionSpec) -> RegionSpec:
    """A manifest for every pool that lists servers, sized to `servers`: hostnames, management and
    BMC addresses as the planner gives them (`plan_pools`), a locally administered BMC MAC per zone
    and address index (02:72:6b:<zone>:<index>), racks of `servers_per_rack` per pool, the model
    and credentials of the pool's first entry, and each declared serial kept where its entry exists."""
    used: dict[str, int] = {}
    pools = []
    for pool in region.pools:
        zone = region.zone(pool.zone)
        assert zone is not None, "validate() first: pool names an unknown zone"
        start = used.get(zone.id, 0)
        used[zone.id] = start + pool.servers
        if not pool.handover:
            pools.append(pool)
            continue
        first, zone_index, per_rack = pool.handover[0], region.zones.index(zone), pool.servers_per_rack
        entries = []
        for k in range(pool.servers):
            n, name = start + k, server_name(zone.id, pool.name, k + 1)
            declared = pool.handover[k] if k < len(pool.handover) else None
            entries.append(
                HandoverSpec(
                    hostname=name,
                    management_address=_nth(zone.network.management, n),  # type: ignore[arg-type]
                    bmc_address=_nth(zone.network.bmc, n),  # type: ignore[arg-type]
                    bmc_mac=f"02:72:6b:{zone_index:02x}:{n >> 8 & 0xFF:02x}:{n & 0xFF:02x}",
                    serial=declared.serial if declared else f"RK-{name.upper()}"[:64],
                    model=declared.model if declared else first.model,
                    rack=f"{zone.facility_code}-{pool.name.upper()}-R{k // per_rack + 1:02d}",
                    u=1 + (k % per_rack) * max(1, 56 // per_rack) % 56,
                    credentials=declared.credentials if declared else first.credentials,
                )
            )
        pools.append(pool.model_copy(update={"handover": entries}))
    return region.model_copy(update={"pools": pools})


def plan_lab(catalog: Catalog, nodes: int | None = None) -> LabPlan:
    """Hosts of the `lab` region: names and addresses from the server planner."""
    region = catalog.region("lab")
    if region.cloud.backend != "none":
        raise BadInputError("inventories/lab/region.yml: cloud.backend must be none; the lab has no cloud")
    region = sized(region, nodes)
    pools = tuple(plan_pools(catalog, region))
    hosts: list[LabHostPlan] = []
    for pool in pools:
        for server in pool.servers:
            hosts.append(LabHostPlan(len(hosts), server.name, server.zone, pool.name, server.management_address))
    supernet = region.network.supernet
    return LabPlan(
        region=region.key,
        network=supernet,
        gateway=supernet.network_address + 1,
        bridge="rklab0",
        hosts=tuple(hosts),
        pools=pools,
        bucket=f"{catalog.policy.operator.resource_prefix}-lab-artifacts",
        zones={
            z.id: {role: str(net) for role in ("management", "bmc", "storage", "fabric") if (net := getattr(z.network, role))}
            for z in region.zones
        },
        monitoring=str(region.network.monitoring),
        spec=region,
        nodes=nodes,
    )


def lab_outputs(plan: LabPlan) -> StackOutputs:
    """The lab's hosts as stack outputs: what a cloud region's stack would say about its hosts."""
    return StackOutputs(
        region=plan.region,
        backend="none",
        dns_zone=DnsOutput(name=f"{plan.region}.internal"),
        mirror=MirrorOutput(endpoint=plan.s3_endpoint, bucket=plan.bucket, region=S3_REGION),
        package_source=plan.apt_proxy,
        zones={
            z: ZoneOutput(facility=next(p.facility for p in plan.pools if p.zone == z), subnets=s)
            for z, s in plan.zones.items()
            if any(p.zone == z for p in plan.pools)
        },
        monitoring=[plan.monitoring] if plan.monitoring else [],
        pools=[pool_output(p) for p in plan.pools],
    )
