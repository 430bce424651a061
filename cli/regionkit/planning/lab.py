"""The lab's plan: which hosts the lab builds, their names, addresses and pools, and where its
gateway services listen. Pure; the lab adapter builds it from kernel primitives.

The lab builds the `lab` region's own hosts, or stand-ins for any other region's pools
(`regionkit lab up --region R`): named and grouped as R's servers, carrying R's pool variables,
but on the lab's addresses, behind the lab's gateway (never R's ranges)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network

from regionkit.catalog.load import Catalog
from regionkit.catalog.model import RESERVED_HOSTS, HandoverSpec, RegionSpec, ZoneSpec, server_name
from regionkit.errors import BadInputError
from regionkit.planning.outputs import DnsOutput, MirrorOutput, StackOutputs, ZoneOutput, pool_output
from regionkit.planning.servers import PoolPlan, plan_pools

LAB = "lab"
MAX_NODES = 64
DEFAULT_PER_POOL = 1  # stand-ins: one host per pool of the region unless --per-pool says more
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
    region: str  # the region whose hosts these are: `lab`, or the region the lab stands in for
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
    package_source: str = ""  # the lab's own package source (inventories/lab/region.yml `packages`)
    backend: str = "none"  # the stood-in region's cloud, as its own stack would say it
    cloud_region: str = ""

    @property
    def stands_in(self) -> bool:
        """The hosts stand in for another region's pools."""
        return self.region != LAB

    @property
    def apt_proxy(self) -> str:
        return self.package_source or f"http://{self.gateway}:{APT_PROXY_PORT}"

    @property
    def mirror_region(self) -> str:
        """The credential scope the mirror's URLs are signed for: the stood-in region's own cloud region
        (the lab's S3 server accepts any), so a rehearsal signs exactly as the region will."""
        return self.cloud_region or S3_REGION

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


def per_pool(region: RegionSpec, count: int) -> RegionSpec:
    """The region with `count` servers in each pool, and no partner manifest (stand-ins have no BMC)."""
    pools = [p.model_copy(update={"servers": count, "handover": []}) for p in region.pools]
    if not pools:
        raise BadInputError(f"inventories/{region.key}/region.yml: no pools; the lab stands in for a region's pools")
    if count < 1 or count * len(pools) > MAX_NODES:
        raise BadInputError(f"--per-pool {count}: the lab takes 1 to {MAX_NODES} hosts ({len(pools)} pools in {region.key})")
    return region.model_copy(update={"pools": pools})


def _ranges(zone: ZoneSpec) -> dict[str, str]:
    return {role: str(net) for role in ("management", "bmc", "storage", "fabric") if (net := getattr(zone.network, role))}


def lab_zones_for(lab: RegionSpec, region: RegionSpec) -> dict[str, ZoneSpec]:
    """The lab zone each of the region's zones is placed on: in order, round robin (the lab's own: itself)."""
    return {z.id: lab.zones[i % len(lab.zones)] for i, z in enumerate(region.zones)}


def _on_lab_addresses(lab: RegionSpec, region: RegionSpec, pools: list[PoolPlan]) -> list[PoolPlan]:
    """The region's pools with every server moved onto the lab's ranges: the region's zones in order onto
    the lab's zones (round robin), addresses in order after each lab range's reserved first ones."""
    zone_of = lab_zones_for(lab, region)
    used: dict[str, int] = {}
    moved = []
    for pool in pools:
        lab_zone = zone_of[pool.zone]
        servers = []
        for server in pool.servers:
            n = used.get(lab_zone.id, 0)
            used[lab_zone.id] = n + 1
            net = lab_zone.network
            servers.append(
                replace(
                    server,
                    management_address=net.management.network_address + RESERVED_HOSTS + 1 + n,
                    storage_address=net.storage.network_address + RESERVED_HOSTS + 1 + n,
                    fabric_address=net.fabric.network_address + RESERVED_HOSTS + 1 + n,
                    bmc_address=None,
                    serial=None,
                )
            )
        moved.append(replace(pool, servers=tuple(servers)))
    return moved


def plan_lab(catalog: Catalog, nodes: int | None = None, region: str = LAB, per_pool_count: int | None = None) -> LabPlan:
    """The lab's hosts: the `lab` region's own (names and addresses from the server planner), or stand-ins
    for `region`'s pools (its names and pool variables, the lab's addresses, `per_pool_count` per pool)."""
    lab = catalog.region(LAB)
    if lab.cloud.backend != "none":
        raise BadInputError("inventories/lab/region.yml: cloud.backend must be none; the lab has no cloud")
    supernet = lab.network.supernet
    gateway = supernet.network_address + 1
    if lab.packages is not None and lab.packages.proxy != gateway:
        raise BadInputError(
            f"inventories/lab/region.yml: packages.proxy = {lab.packages.proxy}: the lab's apt proxy runs on its gateway; "
            f"set it to {gateway}"
        )
    if region == LAB:
        if per_pool_count is not None:
            raise BadInputError("--per-pool sizes stand-ins for another region (with --region); the lab's own hosts take --nodes")
        spec = sized(lab, nodes)
        pools = plan_pools(catalog, spec)
    else:
        if nodes is not None:
            raise BadInputError("--nodes sizes the lab's own hosts; stand-ins for a region take --per-pool")
        spec = per_pool(catalog.region(region), per_pool_count or DEFAULT_PER_POOL)
        pools = _on_lab_addresses(lab, spec, plan_pools(catalog, spec))
    on_lab = lab_zones_for(lab, spec)
    hosts: list[LabHostPlan] = []
    for pool in pools:
        for server in pool.servers:
            hosts.append(LabHostPlan(len(hosts), server.name, server.zone, pool.name, server.management_address))
    return LabPlan(
        region=spec.key,
        network=supernet,
        gateway=gateway,
        bridge="rklab0",
        hosts=tuple(hosts),
        pools=tuple(pools),
        bucket=f"{catalog.policy.operator.resource_prefix}-lab-artifacts",
        # each zone's ranges are the lab zone's it is placed on: the hosts' firewall admits the lab's ranges
        zones={z.id: _ranges(on_lab[z.id]) for z in spec.zones},
        monitoring=str(lab.network.monitoring),
        spec=spec,
        nodes=nodes,
        package_source=lab.packages.url if lab.packages else "",
        backend=spec.cloud.backend,
        cloud_region=spec.cloud.region_id,
    )


def lab_outputs(plan: LabPlan) -> StackOutputs:
    """The lab's hosts as stack outputs: what a cloud region's stack would say about its hosts. For
    stand-ins, the region's own outputs but for where things are: the hosts, the artifact mirror and
    the package source are the lab's; the mirror's URLs are still signed for the region's cloud region."""
    return StackOutputs(
        region=plan.region,
        backend=plan.backend,
        cloud_region=plan.cloud_region,
        dns_zone=DnsOutput(name=f"{plan.region}.internal"),
        mirror=MirrorOutput(endpoint=plan.s3_endpoint, bucket=plan.bucket, region=plan.mirror_region),
        package_source=plan.apt_proxy,
        zones={
            z: ZoneOutput(facility=next(p.facility for p in plan.pools if p.zone == z), subnets=s)
            for z, s in plan.zones.items()
            if any(p.zone == z for p in plan.pools)
        },
        monitoring=[plan.monitoring] if plan.monitoring else [],
        pools=[pool_output(p) for p in plan.pools],
    )
