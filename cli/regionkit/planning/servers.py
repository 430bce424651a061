"""Deterministic server plan: names `<zone>-<pool>-<nn>`, addresses in order from the zone's
subnets, or the partner's handover data where the declaration lists it."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from regionkit.catalog.load import Catalog
from regionkit.catalog.model import RESERVED_HOSTS, RegionSpec, SoftwareSpec, server_name


@dataclass(frozen=True)
class ServerPlan:
    name: str
    region: str
    zone: str
    pool: str
    management_address: IPv4Address
    storage_address: IPv4Address
    fabric_address: IPv4Address
    bmc_address: IPv4Address | None
    serial: str | None
    source: str  # "plan" or "handover"


@dataclass(frozen=True)
class PoolPlan:
    region: str
    zone: str
    facility: str
    name: str
    accelerator: str
    vendor: str
    stack: str
    accelerators_per_server: int
    power_kw: float
    software: SoftwareSpec
    collective_library: str
    busbw_floor_gbps: float | None
    licence_ref: str | None
    servers: tuple[ServerPlan, ...]

    @property
    def group(self) -> str:
        """The pool's Ansible group name."""
        return f"{self.zone}_{self.name}".replace("-", "_")


def _nth(net: IPv4Network | None, n: int) -> IPv4Address | None:
    if net is None:
        return None
    return net.network_address + RESERVED_HOSTS + 1 + n


def plan_pools(catalog: Catalog, region: RegionSpec) -> list[PoolPlan]:
    """Every pool of a validated region, with its servers."""
    used: dict[str, int] = {}  # next free host index per zone
    plans = []
    for pool in region.pools:
        zone = region.zone(pool.zone)
        acc = catalog.accelerators.accelerators[pool.accelerator]
        assert zone is not None, "validate() first: pool names an unknown zone"
        start = used.get(zone.id, 0)
        used[zone.id] = start + pool.servers
        servers = []
        for k in range(pool.servers):
            n = start + k
            hand = pool.handover[k] if k < len(pool.handover) else None
            mgmt = hand.management_address if hand else _nth(zone.network.management, n)
            bmc = hand.bmc_address if hand and hand.bmc_address else _nth(zone.network.bmc, n)
            servers.append(
                ServerPlan(
                    name=hand.hostname if hand else server_name(zone.id, pool.name, k + 1),
                    region=region.key,
                    zone=zone.id,
                    pool=pool.name,
                    management_address=mgmt,  # type: ignore[arg-type]
                    storage_address=_nth(zone.network.storage, n),  # type: ignore[arg-type]
                    fabric_address=_nth(zone.network.fabric, n),  # type: ignore[arg-type]
                    bmc_address=bmc,
                    serial=hand.serial if hand else None,
                    source="handover" if hand else "plan",
                )
            )
        plans.append(
            PoolPlan(
                region=region.key,
                zone=zone.id,
                facility=zone.facility,
                name=pool.name,
                accelerator=pool.accelerator,
                vendor=acc.vendor,
                stack=acc.stack,
                accelerators_per_server=acc.accelerators_per_server,
                power_kw=pool.servers * acc.server_power_kw,
                software=pool.software,
                collective_library=pool.collective_library or acc.collectives,
                busbw_floor_gbps=pool.busbw_floor_gbps if pool.busbw_floor_gbps is not None else acc.busbw_floor_gbps,
                licence_ref=pool.licence_ref,
                servers=tuple(servers),
            )
        )
    return plans


@dataclass(frozen=True)
class RegionSummary:
    key: str
    name: str
    metro: str
    status: str
    backend: str
    cloud_region: str
    partners: list[str]
    pools: int
    servers: int
    accelerators: list[str]
    power_kw: float
    contracted_kw: float
    regimes: list[str]


def summarize_region(catalog: Catalog, region: RegionSpec) -> RegionSummary:
    """One row of `regionkit regions`."""
    power = 0.0
    for pool in region.pools:
        acc = catalog.accelerators.accelerators.get(pool.accelerator)
        power += pool.servers * acc.server_power_kw if acc else 0.0
    j = catalog.policy.jurisdictions.get(region.jurisdiction)
    regimes = [r.id for r in (j.regimes if j else []) if not r.countries or region.country in r.countries]
    return RegionSummary(
        key=region.key,
        name=region.name,
        metro=region.metro,
        status=region.status,
        backend=region.cloud.backend,
        cloud_region=region.cloud.region_id,
        partners=sorted({z.partner for z in region.zones}),
        pools=len(region.pools),
        servers=sum(p.servers for p in region.pools),
        accelerators=sorted({p.accelerator for p in region.pools}),
        power_kw=round(power, 1),
        contracted_kw=sum(z.contracted_kw for z in region.zones),
        regimes=regimes,
    )
