"""Validators: each has an id and a severity, and reports findings that name the file, the key
path, the value and the fix. A region may suppress a validator (with a reason, kept in every
report). Pure functions over the loaded catalog.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from ipaddress import IPv4Network
from typing import Literal

from packaging.version import InvalidVersion, Version

from regionkit.catalog.cloud_rules import LINK_RULES, MIN_SUBNET_PREFIX, RESERVED_ASNS, asn_in, describe_ranges
from regionkit.catalog.load import Catalog, paused_gc
from regionkit.catalog.model import (
    RESERVED_HOSTS,
    AcceleratorSpec,
    HandoverSpec,
    PoolSpec,
    RegionSpec,
    normalized_mac,
    server_name,
)

Severity = Literal["error", "warning"]
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One problem, located, with its fix."""

    validator: str
    severity: Severity
    region: str
    file: str
    path: str
    value: str
    message: str
    fix: str
    line: int | None = None
    suppressed: str | None = None  # the region's recorded reason, when suppressed

    def one_line(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        value = f" = {self.value}" if self.value else ""
        return f"{where}: {self.path}{value}: {self.message}. Fix: {self.fix}"


@dataclass(frozen=True)
class Issue:
    """What a check yields before it is located: key path, value, message, fix."""

    path: KeyPath
    value: object
    message: str
    fix: str


@dataclass
class Context:
    catalog: Catalog
    today: dt.date
    fleet: dict[str, object] = field(default_factory=dict)  # fleet-wide indexes, built once per run


Check = Callable[[Context, RegionSpec], Iterable[Issue]]
# A fleet-wide check sees every region at once and answers per region (an overlap between two
# regions is reported under both).
FleetCheck = Callable[[Context], dict[str, list[Issue]]]


@dataclass(frozen=True)
class Validator:
    id: str
    severity: Severity
    checks: str
    why: str
    run: Check | None = None  # per region
    run_fleet: FleetCheck | None = None  # over the whole catalog
    suppressible: bool = True  # False: a guard rail a region cannot switch off (its suppression is refused)


@dataclass
class ValidationReport:
    regions: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.active if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.active if f.severity == "warning"]

    def to_dict(self) -> dict[str, object]:
        """`regionkit validate --format json`."""
        return {
            "regions": self.regions,
            "summary": {
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "suppressed": len(self.findings) - len(self.active),
            },
            "findings": [asdict(f) for f in self.findings],
        }


VALIDATORS: list[Validator] = []


def validator(id: str, severity: Severity, checks: str, why: str, suppressible: bool = True) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        VALIDATORS.append(Validator(id, severity, checks, why, run=fn, suppressible=suppressible))
        return fn

    return register


def fleet_validator(
    id: str, severity: Severity, checks: str, why: str, suppressible: bool = True
) -> Callable[[FleetCheck], FleetCheck]:
    def register(fn: FleetCheck) -> FleetCheck:
        VALIDATORS.append(Validator(id, severity, checks, why, run_fleet=fn, suppressible=suppressible))
        return fn

    return register


def validate(
    catalog: Catalog,
    keys: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    today: dt.date | None = None,
) -> ValidationReport:
    """Run every validator over the chosen regions (all by default)."""
    with paused_gc():
        return _validate(catalog, keys, skip, today)


def _validate(catalog: Catalog, keys: Iterable[str] | None, skip: Iterable[str], today: dt.date | None) -> ValidationReport:
    chosen = sorted(keys) if keys is not None else sorted(catalog.regions)
    for key in chosen:
        catalog.region(key)  # unknown key -> BadInputError
    skipped = set(skip)
    unknown = skipped - {v.id for v in VALIDATORS}
    if unknown:
        from regionkit.errors import BadInputError

        known = ", ".join(v.id for v in VALIDATORS)
        raise BadInputError(f"--skip {', '.join(sorted(unknown))}: no such validator; known: {known}")
    ctx = Context(catalog, today or dt.date.today())
    report = ValidationReport(chosen)
    fleet = {v.id: v.run_fleet(ctx) for v in VALIDATORS if v.run_fleet and v.id not in skipped}
    for key in chosen:
        region = catalog.regions[key]
        file = catalog.region_file(key)
        for v in VALIDATORS:
            if v.id in skipped:
                continue
            issues = fleet[v.id].get(key, []) if v.run_fleet else v.run(ctx, region) if v.run else ()
            sup = region.suppressed(v.id) if v.suppressible else None
            for issue in issues:
                report.findings.append(
                    Finding(
                        validator=v.id,
                        severity=v.severity,
                        region=key,
                        file=file,
                        path=_dotted(issue.path),
                        value="" if issue.value is None else str(issue.value),
                        message=issue.message,
                        fix=issue.fix,
                        line=catalog.line_of(file, issue.path),
                        suppressed=sup.reason if sup else None,
                    )
                )
    return report


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _pools(region: RegionSpec) -> Iterator[tuple[int, PoolSpec]]:
    yield from enumerate(region.pools)


def _accel(ctx: Context, pool: PoolSpec) -> AcceleratorSpec | None:
    return ctx.catalog.accelerators.accelerators.get(pool.accelerator)


# --- schema and references -------------------------------------------------------------------


@validator(
    "schema.references",
    "error",
    "Named partners, facilities, accelerators, zones and jurisdictions exist; pools are unique; "
    "facilities are in the region's country",
    "A typo in a name would otherwise surface as a failed `pulumi up` or a server shipped to the wrong cage",
    suppressible=False,
)
def check_references(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    cat = ctx.catalog
    if region.jurisdiction not in cat.policy.jurisdictions:
        yield Issue(
            ("jurisdiction",),
            region.jurisdiction,
            "no such jurisdiction in policy.yml",
            f"use one of {sorted(cat.policy.jurisdictions)}",
        )
    elif region.country not in cat.policy.jurisdictions[region.jurisdiction].countries:
        yield Issue(
            ("country",),
            region.country,
            f"not a country of jurisdiction {region.jurisdiction}",
            "correct country or jurisdiction, or add the country to policy.yml",
        )
    for i, zone in enumerate(region.zones):
        partner = cat.partners.partners.get(zone.partner)
        if partner is None:
            yield Issue(
                ("zones", i, "facility"),
                zone.facility,
                f"no partner {zone.partner!r} in partners.yml",
                f"use one of {sorted(cat.partners.partners)} or add the partner",
            )
            continue
        facility = partner.facilities.get(zone.facility_code)
        if facility is None:
            yield Issue(
                ("zones", i, "facility"),
                zone.facility,
                f"{partner.name} has no facility {zone.facility_code!r} in partners.yml",
                f"use one of {sorted(partner.facilities)} or add the facility",
            )
        elif facility.country != region.country:
            yield Issue(
                ("zones", i, "facility"),
                zone.facility,
                f"facility is in {facility.country}, the region is in {region.country}",
                "pick a facility in the region's country",
            )
    seen: set[tuple[str, str]] = set()
    for i, pool in _pools(region):
        if region.zone(pool.zone) is None:
            yield Issue(
                ("pools", i, "zone"),
                pool.zone,
                "no such zone in this region",
                f"use one of {[z.id for z in region.zones]}",
            )
        if pool.accelerator not in cat.accelerators.accelerators:
            yield Issue(
                ("pools", i, "accelerator"),
                pool.accelerator,
                "no such accelerator in accelerators.yml",
                f"use one of {sorted(cat.accelerators.accelerators)}",
            )
        if (pool.zone, pool.name) in seen:
            yield Issue(
                ("pools", i, "name"),
                pool.name,
                f"pool declared twice in zone {pool.zone}",
                "give each pool of a zone its own name",
            )
        seen.add((pool.zone, pool.name))


@validator(
    "schema.zone-id",
    "error",
    "Zone ids are the region key plus one letter; cloud zone ids follow the cloud's rule (region id + letter)",
    "The zone id is the Ansible group, the stack tag and the folder name; a cloud zone that does not exist fails only at `pulumi up`",
    suppressible=False,
)
def check_zone_ids(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, zone in enumerate(region.zones):
        if zone.id[:-1] != region.key:
            yield Issue(
                ("zones", i, "id"),
                zone.id,
                f"zone id must be the region key {region.key!r} plus a letter",
                f"rename it to {region.key}{zone.id[-1]}",
            )
        if zone.cloud_zone and region.cloud.backend != "none":
            rid = region.cloud.region_id
            if not (rid and zone.cloud_zone[:-1] == rid and zone.cloud_zone[-1].isalpha() and zone.cloud_zone[-1].islower()):
                yield Issue(
                    ("zones", i, "cloud_zone"),
                    zone.cloud_zone,
                    f"{region.cloud.backend} zone ids are the region id plus a letter",
                    f"use {rid or '<region_id>'}a, {rid or '<region_id>'}b, ...",
                )


@validator(
    "schema.suppress",
    "error",
    "Each suppression names a validator that exists and that a region may switch off",
    "A misspelt suppression suppresses nothing; the guard rails (net.overlap, schema.*) cannot be switched off",
    suppressible=False,
)
def check_suppressions(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    by_id = {v.id: v for v in VALIDATORS}
    for i, s in enumerate(region.suppress):
        v = by_id.get(s.validator)
        if v is None:
            yield Issue(("suppress", i, "validator"), s.validator, "no such validator", "use an id of `regionkit validators`")
        elif not v.suppressible:
            yield Issue(
                ("suppress", i, "validator"),
                s.validator,
                "this guard rail cannot be suppressed",
                "fix what it finds instead, and remove the suppression",
            )


# --- address plan ----------------------------------------------------------------------------

# Private address space a region may use: RFC 1918 and the shared address space of RFC 6598.
PRIVATE_SUPERNETS = tuple(IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
# RFC 2544's benchmarking range: never routed on the internet, never a customer's; the lab (no cloud,
# hosts on a bridge of this machine) uses it so that it can never collide with a real region.
BENCHMARK_SUPERNET = IPv4Network("198.18.0.0/15")
WIDEST_SUPERNET = 8


@validator(
    "net.supernet",
    "error",
    "The supernet is private address space (RFC 1918, or RFC 6598's 100.64.0.0/10; the lab's RFC 2544 "
    f"198.18.0.0/15) and no wider than a /{WIDEST_SUPERNET}",
    "Routes to the region are announced over the partner's links; a public or huge supernet would hijack or shadow other "
    "networks (an operator's own public space, or a test on loopback, suppresses it with the reason on record)",
)
def check_supernet(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    sup = region.network.supernet
    allowed = PRIVATE_SUPERNETS + ((BENCHMARK_SUPERNET,) if region.cloud.backend == "none" else ())
    if sup.prefixlen < WIDEST_SUPERNET:
        yield Issue(
            ("network", "supernet"),
            sup,
            f"wider than a /{WIDEST_SUPERNET} ({sup.num_addresses} addresses)",
            "give the region a /16 (or smaller) of private space",
        )
    elif not any(sup.subnet_of(p) for p in allowed):
        where = "RFC 1918 (10/8, 172.16/12, 192.168/16) or RFC 6598 (100.64/10)"
        if region.cloud.backend == "none":
            where += ", or RFC 2544's 198.18.0.0/15 for the lab"
        yield Issue(("network", "supernet"), sup, "not private address space", f"choose a range inside {where}")


def _zone_subnets(region: RegionSpec) -> Iterator[tuple[KeyPath, IPv4Network]]:
    for i, zone in enumerate(region.zones):
        for role in ("management", "bmc", "storage", "fabric"):
            net = getattr(zone.network, role)
            if net is not None:
                yield ("zones", i, "network", role), net


@validator(
    "net.containment",
    "error",
    "Every zone subnet, the monitoring, interconnect and VPC ranges and each handed-over address lie inside the region's supernet",
    "Routes and the region's address plan are built from the supernet; an address outside it is unreachable",
)
def check_containment(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    sup = region.network.supernet
    for name in ("monitoring", "interconnect", "vpc"):
        net = getattr(region.network, name)
        if net is not None and not net.subnet_of(sup):
            yield Issue(("network", name), net, f"outside the supernet {sup}", f"choose a range inside {sup}")
    for path, net in _zone_subnets(region):
        if not net.subnet_of(sup):
            yield Issue(path, net, f"outside the supernet {sup}", f"choose a subnet inside {sup}")
    for i, pool in _pools(region):
        zone = region.zone(pool.zone)
        if zone is None:
            continue
        for j, h in enumerate(pool.handover):
            if h.management_address not in zone.network.management:
                yield Issue(
                    ("pools", i, "handover", j, "management_address"),
                    h.management_address,
                    f"outside the zone's management subnet {zone.network.management}",
                    "correct the handover data or the zone's subnet",
                )
            if h.bmc_address is not None and zone.network.bmc is not None and h.bmc_address not in zone.network.bmc:
                yield Issue(
                    ("pools", i, "handover", j, "bmc_address"),
                    h.bmc_address,
                    f"outside the zone's BMC subnet {zone.network.bmc}",
                    "correct the handover data or the zone's subnet",
                )


@fleet_validator(
    "net.overlap",
    "error",
    "No two regions' supernets overlap, and no two ranges inside a region overlap",
    "Regions are peered and routed together; an overlap breaks routing silently",
    suppressible=False,
)
def check_overlaps(ctx: Context) -> dict[str, list[Issue]]:
    """Overlaps across all regions: one sort and a sweep, O(n log n) in the number of ranges.
    Each overlap is reported under both ranges' regions, so either region alone is refused.

    Supernets must not overlap each other; inside a region, the zone subnets, the monitoring,
    interconnect and VPC ranges must not overlap each other.
    """
    catalog = ctx.catalog
    found: dict[str, list[Issue]] = {}

    def sweep(items: list[tuple[IPv4Network, str, KeyPath]]) -> None:
        items.sort(key=lambda t: (int(t[0].network_address), -t[0].prefixlen))
        reach: tuple[int, str, KeyPath, IPv4Network] | None = None  # farthest-reaching range so far
        for net, key, path in items:
            start, end = int(net.network_address), int(net.broadcast_address)
            if reach is not None and start <= reach[0]:
                _, other_key, other_path, other_net = reach
                fix = "give each range its own addresses"
                found.setdefault(key, []).append(Issue(path, net, f"overlaps {other_key} {_dotted(other_path)} ({other_net})", fix))
                if (other_key, other_path) != (key, path):
                    found.setdefault(other_key, []).append(
                        Issue(other_path, other_net, f"overlaps {key} {_dotted(path)} ({net})", fix)
                    )
            if reach is None or end > reach[0]:
                reach = (end, key, path, net)

    sweep([(r.network.supernet, k, ("network", "supernet")) for k, r in catalog.regions.items()])
    for key, region in catalog.regions.items():
        inner = [(net, key, path) for path, net in _zone_subnets(region)]
        inner.append((region.network.monitoring, key, ("network", "monitoring")))
        inner.append((region.network.interconnect, key, ("network", "interconnect")))
        if region.network.vpc is not None:
            inner.append((region.network.vpc, key, ("network", "vpc")))
        sweep(inner)
    return found


@validator(
    "net.capacity",
    "error",
    f"Each zone's subnets have enough addresses for its pools' servers (the first {RESERVED_HOSTS} are reserved)",
    "The planner allocates addresses in order; running out halfway leaves servers without addresses",
)
def check_capacity(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    links = region.network.interconnect
    if links.num_addresses < 4 * len(region.zones):
        yield Issue(
            ("network", "interconnect"),
            links,
            f"{len(region.zones)} zones need one /30 each ({4 * len(region.zones)} addresses), the range has {links.num_addresses}",
            "widen the interconnect range",
        )
    for i, zone in enumerate(region.zones):
        servers = sum(p.servers for p in region.pools if p.zone == zone.id)
        for role in ("management", "bmc", "storage", "fabric"):
            net = getattr(zone.network, role)
            if net is None:
                continue
            usable = max(net.num_addresses - 2 - RESERVED_HOSTS, 0)
            if servers > usable:
                yield Issue(
                    ("zones", i, "network", role),
                    net,
                    f"{servers} servers need {servers} addresses, the subnet has {usable} usable",
                    "widen the subnet or move a pool to another zone",
                )


def _fleet_identities(ctx: Context) -> dict[tuple[str, str], list[str]]:
    """Every manifest identity of the fleet (serial, BMC MAC, BMC address) -> the servers that claim it."""
    cached = ctx.fleet.get("handover-identities")
    if cached is None:
        index: dict[tuple[str, str], list[str]] = {}
        for key in sorted(ctx.catalog.regions):
            for pool in ctx.catalog.regions[key].pools:
                for h in pool.handover:
                    owner = f"{key}/{h.hostname}"
                    for kind, value in _identities(h):
                        index.setdefault((kind, value), []).append(owner)
        ctx.fleet["handover-identities"] = cached = index
    return cached  # type: ignore[return-value]


def _identities(h: HandoverSpec) -> list[tuple[str, str]]:
    return [("serial", h.serial.upper()), ("bmc_mac", normalized_mac(h.bmc_mac)), ("bmc_address", str(h.bmc_address))]


@validator(
    "net.handover",
    "error",
    "The partner's manifest matches the plan: one entry per server, planned hostnames, BMC addresses in the zone's BMC "
    "range, no two servers in one rack unit, racks within servers_per_rack, serials, BMC MACs and addresses unique fleet-wide",
    "The manifest is what the partner racked; a mismatch means the inventory, or the handover, points at the wrong machine",
)
def check_handover(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    seen: dict[str, str] = {}
    fleet = _fleet_identities(ctx)
    units: dict[tuple[str, str, int], str] = {}
    for i, pool in _pools(region):
        if not pool.handover:
            continue
        zone = region.zone(pool.zone)
        if len(pool.handover) != pool.servers:
            yield Issue(
                ("pools", i, "handover"),
                len(pool.handover),
                f"{len(pool.handover)} servers handed over, the pool declares {pool.servers}",
                "list every server, or correct servers:",
            )
        per_rack: dict[str, int] = {}
        for j, h in enumerate(pool.handover):
            at = ("pools", i, "handover", j)
            expected = server_name(pool.zone, pool.name, j + 1)
            if h.hostname != expected:
                yield Issue(
                    (*at, "hostname"),
                    h.hostname,
                    f"the plan names server {j + 1} of this pool {expected}",
                    f"rename it {expected} (names are <zone>-<pool>-<nn>)",
                )
            bmc_net = zone.network.bmc if zone else None
            if zone is not None and bmc_net is None:
                yield Issue(
                    (*at, "bmc_address"),
                    h.bmc_address,
                    f"zone {zone.id} declares no BMC range",
                    "add network.bmc to the zone: handover reaches the BMCs only there",
                )
            elif bmc_net is not None and h.bmc_address in bmc_net:
                offset = int(h.bmc_address) - int(bmc_net.network_address)
                if offset <= RESERVED_HOSTS or h.bmc_address == bmc_net.broadcast_address:
                    yield Issue(
                        (*at, "bmc_address"),
                        h.bmc_address,
                        f"the first {RESERVED_HOSTS} addresses and the broadcast address of {bmc_net} are kept for "
                        "gateways and partner equipment",
                        "take an address from the rest of the BMC range",
                    )
            for field_name in ("management_address", "bmc_address"):
                tag = f"{field_name}={getattr(h, field_name)}"
                if tag in seen:
                    yield Issue((*at, field_name), getattr(h, field_name), f"also used by {seen[tag]}", "each server needs its own")
                seen[tag] = h.hostname
            for kind, value in _identities(h):
                others = [o for o in fleet.get((kind, value), []) if o != f"{region.key}/{h.hostname}"]
                if others and not (kind == "bmc_address" and all(o.startswith(f"{region.key}/") for o in others)):
                    yield Issue(
                        (*at, kind),
                        getattr(h, kind),
                        f"also declared for {', '.join(others)}",
                        f"each server has its own {kind.replace('_', ' ')}: correct the manifest from the partner's sheet",
                    )
            unit = (pool.zone, h.rack, h.u)
            if unit in units:
                yield Issue(
                    (*at, "u"),
                    h.u,
                    f"rack {h.rack} unit {h.u} is also given to {units[unit]}",
                    "correct rack: or u: from the partner's sheet",
                )
            units[unit] = h.hostname
            per_rack[h.rack] = per_rack.get(h.rack, 0) + 1
        for rack, count in sorted(per_rack.items()):
            if count > pool.servers_per_rack:
                yield Issue(
                    ("pools", i, "handover"),
                    rack,
                    f"rack {rack} holds {count} servers of this pool, the plan allows {pool.servers_per_rack} per rack",
                    "spread the servers as planned (power per rack), or correct servers_per_rack and re-check power",
                )


@validator(
    "handover.model",
    "error",
    "Each handed-over server names a model of servers.yml built with the pool's accelerator, in the pool's count per server",
    "A model that does not match the pool means the partner racked other servers than were bought, or the manifest is wrong",
)
def check_handover_model(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    models = ctx.catalog.servers.models
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        for j, h in enumerate(pool.handover):
            path = ("pools", i, "handover", j, "model")
            spec = models.get(h.model)
            if spec is None:
                yield Issue(path, h.model, "no such server model in servers.yml", f"use one of {sorted(models)} or add the model")
                continue
            if pool.accelerator not in spec.accelerators:
                yield Issue(
                    path,
                    h.model,
                    f"{spec.model} is built with {', '.join(spec.accelerators)}, the pool declares {pool.accelerator}",
                    "name the model the partner racked, or add the accelerator to the model in servers.yml",
                )
            elif acc is not None and spec.accelerator_count != acc.accelerators_per_server:
                yield Issue(
                    path,
                    h.model,
                    f"{spec.model} holds {spec.accelerator_count} accelerators, {pool.accelerator} servers have "
                    f"{acc.accelerators_per_server} (accelerators.yml)",
                    "correct accelerator_count in servers.yml or accelerators_per_server in accelerators.yml",
                )


@validator(
    "handover.access",
    "error",
    "A region whose pools list servers names the BMC credentials' source (environment variable or file) and the manifest's source",
    "Handover cannot log in to a BMC without credentials, and a report a partner signs names the sheet it was checked against",
)
def check_handover_access(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    listed = [i for i, pool in _pools(region) if pool.handover]
    if listed and region.handover is None:
        yield Issue(
            ("pools", listed[0], "handover"),
            None,
            "servers are listed but the region has no handover: section",
            "add handover: {source: <the partner's sheet and date>, credentials: {username: ..., password: {env: NAME}}}",
        )


# --- power -----------------------------------------------------------------------------------


def _rack_kw(ctx: Context, pool: PoolSpec) -> float | None:
    acc = _accel(ctx, pool)
    return None if acc is None else pool.servers_per_rack * acc.server_power_kw


@validator(
    "power.contract",
    "error",
    "Each site's pools (servers x server power) fit its contracted kW, keeping the policy's headroom",
    "Partners cut power at the contract; a site sized to 100% trips on the first burst",
)
def check_power_contract(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    headroom = ctx.catalog.policy.power.headroom_pct
    for i, zone in enumerate(region.zones):
        draw = 0.0
        for pool in region.pools:
            acc = _accel(ctx, pool)
            if pool.zone == zone.id and acc is not None:
                draw += pool.servers * acc.server_power_kw
        usable = zone.contracted_kw * (1 - headroom / 100)
        if draw > usable:
            yield Issue(
                ("zones", i, "contracted_kw"),
                zone.contracted_kw,
                f"pools draw {draw:.1f} kW, over {usable:.1f} kW ({100 - headroom:g}% of the contract)",
                f"contract at least {draw / (1 - headroom / 100):.0f} kW or move servers elsewhere",
            )


@validator(
    "power.rack-density",
    "error",
    "Servers per rack x server power fits the facility's maximum kW per rack",
    "A rack over the facility's offer will not be energised",
)
def check_rack_density(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        zone, kw = region.zone(pool.zone), _rack_kw(ctx, pool)
        fac = _facility(ctx, zone.facility) if zone else None
        if fac is None or kw is None:
            continue
        if kw > fac.max_kw_per_rack:
            acc = _accel(ctx, pool)
            per = acc.server_power_kw if acc else 1
            yield Issue(
                ("pools", i, "servers_per_rack"),
                pool.servers_per_rack,
                f"{kw:.1f} kW per rack, over {zone.facility}'s {fac.max_kw_per_rack:g} kW offer" if zone else "",
                f"at most {int(fac.max_kw_per_rack // per)} servers per rack here",
            )


@validator(
    "power.liquid-cooling",
    "error",
    "Racks above the policy's air-cooling limit are only in facilities that offer liquid cooling",
    "Air cooling tops out near 30-40 kW per rack",
)
def check_liquid_cooling(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    limit = ctx.catalog.policy.power.air_cooling_max_kw_per_rack
    for i, pool in _pools(region):
        zone, kw = region.zone(pool.zone), _rack_kw(ctx, pool)
        fac = _facility(ctx, zone.facility) if zone else None
        if fac is not None and kw is not None and kw > limit and not fac.liquid_cooling and zone:
            yield Issue(
                ("pools", i, "servers_per_rack"),
                pool.servers_per_rack,
                f"{kw:.1f} kW per rack needs liquid cooling (air limit {limit:g} kW); {zone.facility} offers none",
                "fewer servers per rack, or a facility with liquid cooling",
            )


def _facility(ctx: Context, ref: str):  # type: ignore[no-untyped-def]
    partner, _, code = ref.partition(":")
    p = ctx.catalog.partners.partners.get(partner)
    return None if p is None else p.facilities.get(code)


# --- export control --------------------------------------------------------------------------


_STRICTNESS = {"allow": 0, "risk": 1, "licence": 2, "deny": 3}


def export_decision(ctx: Context, region: RegionSpec, accelerator: str):  # type: ignore[no-untyped-def]
    """The strictest policy rule that matches (accelerator, operator HQ, destination), or None."""
    hq = ctx.catalog.policy.operator.headquarters
    best = None
    for rule in ctx.catalog.policy.export_control:
        if accelerator not in rule.accelerators:
            continue
        if "*" not in rule.operator_hq and hq not in rule.operator_hq:
            continue
        if ("*" not in rule.countries and region.country not in rule.countries) or region.country in rule.except_countries:
            continue
        if best is None or _STRICTNESS[rule.action] > _STRICTNESS[best.action]:
            best = rule
    return best


def _export_issues(ctx: Context, region: RegionSpec, action: str) -> Iterator[Issue]:
    hq = ctx.catalog.policy.operator.headquarters
    for i, pool in _pools(region):
        rule = export_decision(ctx, region, pool.accelerator)
        if action == "unlisted":
            if rule is None and pool.accelerator in ctx.catalog.accelerators.accelerators:
                yield Issue(
                    ("pools", i, "accelerator"),
                    pool.accelerator,
                    f"no export-control rule in policy.yml covers it (operator HQ {hq}, country {region.country})",
                    "add a rule for it to policy.yml (or policy.local.yml)",
                )
            continue
        if rule is None or rule.action != action:
            continue
        cite = f"policy {rule.id} ({rule.since}, {rule.source})"
        if action == "deny":
            yield Issue(
                ("pools", i, "accelerator"),
                pool.accelerator,
                f"not procurable by an operator headquartered in {hq} for {region.country}: {cite}",
                "choose an allowed accelerator, or override the rule in policy.local.yml on your counsel's advice",
            )
        elif action == "licence" and not pool.licence_ref:
            yield Issue(
                ("pools", i, "licence_ref"),
                None,
                f"{pool.accelerator} needs an export licence: {cite}",
                "add licence_ref: <your licence number> to the pool",
            )
        elif action == "risk":
            yield Issue(
                ("pools", i, "accelerator"),
                pool.accelerator,
                f"flagged as a compliance risk: {cite}",
                "get legal sign-off, then suppress export.risk in this region with the reference",
            )


@validator(
    "export.denied",
    "error",
    "Each pool's accelerator is allowed for the operator and the site's country under policy.yml",
    "Buying a part the operator may not buy is a legal problem, not a technical one",
)
def check_export_denied(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    return _export_issues(ctx, region, "deny")


@validator(
    "export.licence",
    "error",
    "Pools of accelerators that need a licence carry a licence reference",
    "Auditors ask which licence covers which servers",
)
def check_export_licence(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    return _export_issues(ctx, region, "licence")


@validator(
    "export.risk",
    "warning",
    "Pools of accelerators the policy flags as a risk in this country",
    "Some parts are legal to own but risky to use (BIS guidance on Ascend, May 2025)",
)
def check_export_risk(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    return _export_issues(ctx, region, "risk")


@validator(
    "export.unlisted",
    "warning",
    "Every accelerator in use is covered by some export-control rule",
    "A part no rule mentions has not been looked at",
)
def check_export_unlisted(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    return _export_issues(ctx, region, "unlisted")


# --- data residency --------------------------------------------------------------------------


def _cloud_country(ctx: Context, region: RegionSpec, cloud_region: str) -> str | None:
    backend = region.cloud.backend
    if backend == "none":
        return None
    return ctx.catalog.policy.cloud_regions.get(backend, {}).get(cloud_region)


def _jurisdiction_countries(ctx: Context, region: RegionSpec) -> list[str]:
    j = ctx.catalog.policy.jurisdictions.get(region.jurisdiction)
    return j.countries if j else []


def allowed_cloud_regions(catalog: Catalog, region: RegionSpec) -> list[str]:
    """The declared data regions that policy.yml places inside the region's jurisdiction: what
    the policy pack allows, so a tampered declaration cannot widen it."""
    ctx = Context(catalog, dt.date.today())
    countries = _jurisdiction_countries(ctx, region)
    return [r for r in region.residency.data_regions if _cloud_country(ctx, region, r) in countries]


@validator(
    "residency.data-region",
    "error",
    "The cloud regions allowed to hold the region's buckets and keys are inside its jurisdiction, "
    "and the region's own cloud region is one of them",
    "Buckets and KMS keys are created in the cloud region; GDPR, LGPD, APPI and PDPL care where that is",
)
def check_data_regions(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if region.cloud.backend == "none":
        return
    allowed = _jurisdiction_countries(ctx, region)
    for i, cr in enumerate(region.residency.data_regions):
        country = _cloud_country(ctx, region, cr)
        if country is None:
            yield Issue(
                ("residency", "data_regions", i),
                cr,
                f"unknown {region.cloud.backend} region (not in policy.yml cloud_regions)",
                "use a published region id, or add it to policy.yml cloud_regions with its country",
            )
        elif country not in allowed:
            yield Issue(
                ("residency", "data_regions", i),
                cr,
                f"{cr} is in {country}, outside jurisdiction {region.jurisdiction}",
                f"use a cloud region in {region.jurisdiction}",
            )
    rid = region.cloud.region_id
    if rid and rid not in region.residency.data_regions:
        yield Issue(
            ("cloud", "region_id"),
            rid,
            "the region's buckets and key live here, but it is not in residency.data_regions",
            "add it to data_regions if the jurisdiction allows, or attach to another cloud region",
        )


@validator(
    "residency.replication",
    "error",
    "Bucket replication targets are allowed data regions, and never leave the jurisdiction unless policy allows",
    "Replication is the quiet way data leaves a country",
)
def check_replication(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    j = ctx.catalog.policy.jurisdictions.get(region.jurisdiction)
    for i, rep in enumerate(region.residency.replication):
        country = _cloud_country(ctx, region, rep.to)
        inside = country is not None and j is not None and country in j.countries
        if not inside and not (j and j.replication_may_leave):
            yield Issue(
                ("residency", "replication", i, "to"),
                rep.to,
                f"replication of {rep.bucket} to {rep.to} ({country or 'unknown country'}) leaves jurisdiction {region.jurisdiction}",
                "replicate only to a cloud region inside the jurisdiction, or remove the rule",
            )
        elif rep.to not in region.residency.data_regions:
            yield Issue(
                ("residency", "replication", i, "to"),
                rep.to,
                "not one of residency.data_regions",
                "add it to data_regions or replicate elsewhere",
            )


# --- runtime compatibility -------------------------------------------------------------------


@validator(
    "runtime.driver-support",
    "error",
    "The pinned driver is at least the accelerator's minimum, and (NVIDIA) on a known data-center branch",
    "B200 needs >= 570.133.20; a driver too old for the part fails at module load, after the rack is live",
)
def check_driver_support(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        if acc is None or acc.stack == "none":
            continue
        drv = pool.software.driver
        if drv is None:
            yield Issue(
                ("pools", i, "software", "driver"),
                None,
                f"no driver pinned for {pool.accelerator}",
                "pin software.driver",
            )
            continue
        if acc.stack == "cuda":
            branch = f"R{drv.split('.')[0]}"
            if branch not in ctx.catalog.accelerators.nvidia_driver_branches:
                yield Issue(
                    ("pools", i, "software", "driver"),
                    drv,
                    f"branch {branch} is not a known data-center branch",
                    f"use one of {sorted(ctx.catalog.accelerators.nvidia_driver_branches)}",
                )
        have, need = _version(drv), _version(acc.min_driver)
        if have is None:
            yield Issue(
                ("pools", i, "software", "driver"),
                drv,
                "not a version regionkit can compare",
                "write it as the vendor prints it, e.g. 580.95.05 or 25.0.rc1",
            )
        elif need is not None and have < need:
            yield Issue(
                ("pools", i, "software", "driver"),
                drv,
                f"{pool.accelerator} needs driver >= {acc.min_driver}",
                f"pin a driver >= {acc.min_driver}",
            )


@validator(
    "runtime.fabric-manager",
    "error",
    "On NVSwitch systems Fabric Manager is pinned at exactly the driver's version",
    "A Fabric Manager that differs from the driver leaves every GPU at 'system not yet initialized'",
)
def check_fabric_manager(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        if acc is None:
            continue
        fm, drv = pool.software.fabric_manager, pool.software.driver
        if acc.needs_fabric_manager and fm is None:
            yield Issue(
                ("pools", i, "software", "fabric_manager"),
                None,
                f"{pool.accelerator} is an NVSwitch system and needs Fabric Manager",
                f"pin fabric_manager: {drv!r}",
            )
        elif fm is not None and fm != drv:
            yield Issue(
                ("pools", i, "software", "fabric_manager"),
                fm,
                f"differs from the driver {drv}",
                f"pin fabric_manager: {drv!r}",
            )


@validator(
    "runtime.toolkit",
    "error",
    "The toolkit (CUDA, ROCm, CANN, PPU SDK) is a known release and the driver meets its minimum",
    "CUDA 13.0 on a 570 driver fails at cuInit; CANN needs its matching npu-driver",
)
def check_toolkit(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        if acc is None or acc.stack == "none":
            continue
        stack = ctx.catalog.accelerators.stacks.get(acc.stack)
        tk = pool.software.toolkit
        if stack is None:
            continue
        if tk is None or tk not in stack.toolkits:
            yield Issue(
                ("pools", i, "software", "toolkit"),
                tk,
                f"not a {acc.stack} release in accelerators.yml",
                f"use one of {sorted(stack.toolkits)}",
            )
            continue
        need, have = _version(stack.toolkits[tk].min_driver), _version(pool.software.driver)
        if need is not None and have is not None and have < need:
            yield Issue(
                ("pools", i, "software", "driver"),
                pool.software.driver,
                f"{acc.stack} {tk} needs driver >= {stack.toolkits[tk].min_driver}",
                f"pin a driver >= {stack.toolkits[tk].min_driver} or an older toolkit",
            )


@validator(
    "runtime.collectives",
    "error",
    "The collective library suits the accelerator and its version matches the toolkit",
    "NCCL built for another CUDA, or RCCL from another ROCm, fails or silently falls back to slow paths",
)
def check_collectives(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        if acc is None:
            continue
        lib = pool.collective_library or acc.collectives
        if lib not in (acc.collectives, "gloo"):
            yield Issue(
                ("pools", i, "collective_library"),
                lib,
                f"{pool.accelerator} uses {acc.collectives}",
                f"set collective_library: {acc.collectives} (or gloo, for CPU-only tests)",
            )
        stack = ctx.catalog.accelerators.stacks.get(acc.stack)
        tk, col = pool.software.toolkit, pool.software.collectives
        if stack is None or tk not in stack.toolkits:
            continue
        if col is None:
            yield Issue(
                ("pools", i, "software", "collectives"),
                None,
                f"no {lib} version pinned",
                f"pin one of {stack.toolkits[tk].collectives}",
            )
        elif not any(col == c or col.startswith(c + ".") for c in stack.toolkits[str(tk)].collectives):
            yield Issue(
                ("pools", i, "software", "collectives"),
                col,
                f"does not match {acc.stack} {tk}",
                f"pin a version of {stack.toolkits[str(tk)].collectives}",
            )


@validator(
    "runtime.eol",
    "warning",
    "The NVIDIA driver branch is not past its end of life",
    "An EOL branch gets no security fixes",
)
def check_eol(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    for i, pool in _pools(region):
        acc = _accel(ctx, pool)
        if acc is None or acc.stack != "cuda" or pool.software.driver is None:
            continue
        branch = ctx.catalog.accelerators.nvidia_driver_branches.get(f"R{pool.software.driver.split('.')[0]}")
        if branch is not None and branch.eol < ctx.today:
            yield Issue(
                ("pools", i, "software", "driver"),
                pool.software.driver,
                f"branch ended its life on {branch.eol}",
                "move to a supported LTSB branch (R580 or R620)",
            )


# --- readiness -------------------------------------------------------------------------------


def _lacks(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if region.cloud.backend == "none":
        return
    if not region.cloud.region_id:
        yield Issue(("cloud", "region_id"), None, "no cloud region id", "set cloud.region_id once the cloud publishes one")
    if region.network.vpc is None:
        yield Issue(("network", "vpc"), None, "no VPC range", "declare network.vpc: a range of the supernet no colo range uses")
    for i, zone in enumerate(region.zones):
        if not zone.cloud_zone:
            yield Issue(("zones", i, "cloud_zone"), None, f"zone {zone.id} has no cloud zone", "set cloud_zone")
        fac = _facility(ctx, zone.facility)
        if fac is not None and fac.confidence == "unverified":
            yield Issue(
                ("zones", i, "facility"),
                zone.facility,
                "facility data is unverified in partners.yml",
                "confirm the facility code and offer with the partner",
            )


@validator(
    "readiness.planned",
    "warning",
    "A region marked planned lists what it still lacks before it can be applied (`up` refuses it)",
    "Planned regions live in the catalog long before their cloud ids and contracts exist",
)
def check_planned(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if region.status == "planned":
        yield from _lacks(ctx, region)


@validator(
    "readiness.applyable",
    "error",
    "A live or new region has everything `up` needs: cloud region id and every zone's cloud zone",
    "Otherwise `pulumi up` fails halfway through the region",
)
def check_applyable(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if region.status != "planned":
        for issue in _lacks(ctx, region):
            if issue.path[-1] in ("region_id", "cloud_zone"):
                yield Issue(
                    issue.path,
                    issue.value,
                    f"{issue.message}; a {region.status} region needs it",
                    f"{issue.fix}, or mark the region status: planned",
                )


# --- what the nodes install from ------------------------------------------------------------------


@validator(
    "packages.source",
    "error",
    "A live or new region declares its package source (packages.proxy), inside its own ranges: one of the first 10 "
    "addresses of a zone's management range, or the monitoring range",
    "Nodes install every package through it; an address outside the region is not reachable over the region's "
    "network, and one inside the servers' addresses would collide with a server",
)
def check_package_source(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    packages = region.packages
    if packages is None:
        if region.status != "planned":
            first = region.zones[0].network.management
            yield Issue(
                ("packages",),
                None,
                f"no package source; a {region.status} region's nodes would have nothing to install from",
                f"declare packages: {{proxy: {first.network_address + 2}}}, the address of the region's apt caching proxy "
                f"(one of the first {RESERVED_HOSTS} addresses of a management range, or in {region.network.monitoring})",
            )
        return
    address = packages.proxy
    ranges = [((f"zones[{i}].network.management"), z.network.management, True) for i, z in enumerate(region.zones)]
    ranges.append(("network.monitoring", region.network.monitoring, False))
    for name, net, reserved_only in ranges:
        if address not in net:
            continue
        index = int(address) - int(net.network_address)
        if address in (net.network_address, net.broadcast_address):
            yield Issue(("packages", "proxy"), address, f"the network or broadcast address of {name} ({net})", "pick a host address")
        elif reserved_only and index > RESERVED_HOSTS:
            yield Issue(
                ("packages", "proxy"),
                address,
                f"inside the servers' addresses of {name} ({net}): the planner gives addresses after the first "
                f"{RESERVED_HOSTS} to servers",
                f"use one of {net.network_address + 1} to {net.network_address + RESERVED_HOSTS}",
            )
        return
    yield Issue(
        ("packages", "proxy"),
        address,
        "outside the region's management and monitoring ranges: nodes reach only their own region's ranges",
        f"use an address of a zone's management range (its first {RESERVED_HOSTS}) or of {region.network.monitoring}",
    )


# --- the region's stack: VPC, cloud region facts, secrets, registration ------------------------

# Both clouds take these VPC masks (AWS /16-/28, Alibaba /8-/28), and a /24 still splits into one
# subnet of at least /28 per cloud zone (AWS's smallest subnet; Alibaba's vSwitch takes /16-/29).
VPC_PREFIXES = (16, 24)
MIN_CLOUD_ZONES = 2  # resolver and mirror endpoints, and (alicloud) the transit router's VPC attachment


def _applyable_cloud(region: RegionSpec) -> bool:
    return region.status != "planned" and region.cloud.backend != "none"


@validator(
    "stack.vpc",
    "error",
    "A live or new cloud region declares its VPC range (a /16 to /24 of the supernet) and at least two cloud zones for it",
    "The VPC's local route would shadow any colo range inside it; its endpoints need two zones",
)
def check_vpc(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if not _applyable_cloud(region):
        return
    vpc = region.network.vpc
    if vpc is None:
        yield Issue(
            ("network", "vpc"),
            None,
            "no VPC range; the VPC needs its own range, outside every colo range",
            f"declare network.vpc: a /24 of {region.network.supernet} that no zone, monitoring or interconnect range uses",
        )
    elif not VPC_PREFIXES[0] <= vpc.prefixlen <= VPC_PREFIXES[1]:
        yield Issue(("network", "vpc"), vpc, "both clouds take a VPC of /16 to /24 here", "declare a /16 to /24")
    zones = region.cloud_zones()
    rid = region.cloud.region_id
    if len(set(zones)) < MIN_CLOUD_ZONES:
        yield Issue(
            ("cloud", "zones"),
            zones,
            f"the VPC's subnets need {MIN_CLOUD_ZONES} cloud zones, the region names {len(set(zones))}",
            f"list two zones of {rid or 'the cloud region'} under cloud.zones",
        )
    for i, zone in enumerate(region.cloud.zones):
        if not (rid and zone[:-1] == rid and zone[-1].isalpha() and zone[-1].islower()):
            yield Issue(("cloud", "zones", i), zone, "cloud zone ids are the region id plus a letter", f"use {rid}a, {rid}b, ...")
    distinct = len(set(zones))
    if vpc is not None and distinct >= MIN_CLOUD_ZONES and vpc.prefixlen + math.ceil(math.log2(distinct)) > MIN_SUBNET_PREFIX:
        yield Issue(
            ("cloud", "zones"),
            zones,
            f"{distinct} cloud zones split {vpc} into subnets smaller than /{MIN_SUBNET_PREFIX}",
            "list fewer cloud zones under cloud.zones, or widen network.vpc",
        )


@validator(
    "stack.cloud-region",
    "error",
    "A live or new Alibaba Cloud region's cloud region is listed in clouds.yml with its OSS redundancy and mirror endpoint service",
    "Bucket redundancy cannot change after creation, and ZRS exists only in some regions; the colo reaches the mirror "
    "only through a private endpoint",
)
def check_cloud_region(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if not _applyable_cloud(region) or region.cloud.backend != "alicloud" or not region.cloud.region_id:
        return
    facts = ctx.catalog.clouds.alicloud.get(region.cloud.region_id)
    if facts is None:
        yield Issue(
            ("cloud", "region_id"),
            region.cloud.region_id,
            "not listed in inventories/clouds.yml",
            "add it under alicloud: with oss_zrs (from the OSS disaster-recovery page), its source and confidence",
        )
    elif not facts.oss_private_service:
        yield Issue(
            ("cloud", "region_id"),
            region.cloud.region_id,
            "clouds.yml names no oss_private_service here: the colo could not reach the mirror",
            "set oss_private_service from privatelink DescribeVpcEndpointServices",
        )


@validator(
    "readiness.kms-instance",
    "warning",
    "A live or new Alibaba Cloud region's keys have a KMS instance of the operator's own in clouds.yml",
    "Without a KMS instance Alibaba gives an account one default key per region; `up` refuses the region first",
)
def check_kms_instance(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if not _applyable_cloud(region) or region.cloud.backend != "alicloud":
        return
    facts = ctx.catalog.clouds.alicloud.get(region.cloud.region_id)
    instance = facts.kms_instance if facts else ""
    if not instance or "example" in instance:
        yield Issue(
            ("cloud", "region_id"),
            region.cloud.region_id,
            f"clouds.yml gives {'an example' if instance else 'no'} KMS instance for {region.cloud.region_id}",
            f"buy a KMS instance in {region.cloud.region_id} (software key management) and set its kst- id in clouds.yml",
        )


def _awskms_region(url: str) -> str:
    query = url.partition("?")[2]
    params = dict(p.partition("=")[::2] for p in query.split("&") if p)
    return params.get("region", "")


@validator(
    "stack.secrets",
    "error",
    "The stack's secrets provider is one Pulumi supports with a key inside the region's jurisdiction",
    "Stack secrets (activation codes) are data too; Pulumi has no Alibaba KMS provider, so a region uses "
    "passphrase, an AWS KMS key in its jurisdiction, or its own Vault",
)
def check_secrets(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    provider = region.cloud.secrets_provider
    if not provider.startswith("awskms://"):
        return
    where = _awskms_region(provider)
    country = ctx.catalog.policy.cloud_regions.get("aws", {}).get(where)
    if not where:
        yield Issue(("cloud", "secrets_provider"), provider, "the AWS KMS key names no region", "add ?region=<aws region>")
    elif country not in _jurisdiction_countries(ctx, region):
        yield Issue(
            ("cloud", "secrets_provider"),
            provider,
            f"the key is in {where} ({country or 'unknown country'}), outside jurisdiction {region.jurisdiction}",
            "use a key in a region of the jurisdiction, passphrase, or hashivault://",
        )


@validator(
    "readiness.registration",
    "warning",
    "A live or new AWS region declares when its node activations were issued, and they have not expired",
    "SSM activations expire (30 days at most) and are re-issued only by changing registration.rotated; `up` refuses an expired one",
)
def check_registration(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if not _applyable_cloud(region) or region.cloud.backend != "aws":
        return
    reg = region.registration
    if reg is None:
        yield Issue(("registration",), None, "no node registration declared", "add registration: {rotated: <today>, valid_days: 30}")
        return
    expires = reg.rotated + dt.timedelta(days=reg.valid_days)
    if reg.rotated > ctx.today:
        yield Issue(("registration", "rotated"), reg.rotated, "is in the future; AWS counts 30 days from creation", "set it to today")
    elif expires <= ctx.today:
        yield Issue(
            ("registration", "rotated"),
            reg.rotated,
            f"the activations expired on {expires}; nodes not yet registered cannot register",
            f"set registration.rotated: {ctx.today} to re-issue them at the next `up`",
        )


# --- dedicated links, in two phases ----------------------------------------------------------


def _link_issues(region: RegionSpec, i: int) -> Iterator[Issue]:
    rules = LINK_RULES[region.cloud.backend]
    zone = region.zones[i]
    link = zone.link
    at = ("zones", i, "link")
    live = link.state in ("ordered", "enabled")
    if live and not link.location:
        yield Issue(
            (*at, "location"),
            None,
            f"an {link.state} link needs the {rules.location_name} of {zone.facility}",
            f"ask {zone.partner} and the cloud for it and set link.location, or keep the link planned",
        )
    if link.kind == "dedicated":
        if link.bandwidth:
            yield Issue(
                (*at, "bandwidth"),
                link.bandwidth,
                "bandwidth is for hosted (shared) connections; a dedicated port takes its port type",
                f"remove bandwidth and set port: one of {', '.join(rules.dedicated_ports)}",
            )
        if link.connection_id:
            yield Issue((*at, "connection_id"), link.connection_id, "a dedicated circuit is created by the stack", "remove it")
        if live and link.port not in rules.dedicated_ports:
            yield Issue(
                (*at, "port"),
                link.port or None,
                f"not a dedicated port the {rules.what} API takes",
                f"use one of {', '.join(rules.dedicated_ports)}",
            )
    else:
        if link.port:
            yield Issue((*at, "port"), link.port, "a hosted connection has no port of ours", "remove port; set bandwidth")
        if live and link.bandwidth not in rules.hosted_bandwidths:
            yield Issue(
                (*at, "bandwidth"),
                link.bandwidth or None,
                "not a hosted-connection bandwidth the cloud offers",
                f"use one of {', '.join(rules.hosted_bandwidths)}",
            )
        if live and not (
            link.connection_id.startswith(rules.connection_id_prefix) and len(link.connection_id) > len(rules.connection_id_prefix)
        ):
            yield Issue(
                (*at, "connection_id"),
                link.connection_id or None,
                f"a hosted connection is the {rules.connection_id_prefix}... id the partner provisioned into the account",
                f"ask {zone.partner} for the connection id",
            )
    lo, hi = rules.vlan_range
    if link.vlan_id is not None and not lo <= link.vlan_id <= hi:
        yield Issue(
            (*at, "vlan_id"), link.vlan_id, f"outside the {region.cloud.backend} VLAN range {lo}-{hi}", f"use a VLAN {lo}-{hi}"
        )
    elif link.state == "enabled" and link.vlan_id is None:
        yield Issue((*at, "vlan_id"), None, "an enabled link needs the VLAN the partner configured", f"set vlan_id ({lo}-{hi})")
    cloud_asn = region.cloud.asn or rules.default_asn
    if link.peer_asn is not None:
        if link.peer_asn in RESERVED_ASNS:
            yield Issue(
                (*at, "peer_asn"), link.peer_asn, "a reserved ASN (0, 23456, 65535, 4294967295)", "use the partner router's ASN"
            )
        elif link.peer_asn == cloud_asn:
            yield Issue(
                (*at, "peer_asn"),
                link.peer_asn,
                f"equals the cloud side's ASN {cloud_asn}; the session is eBGP",
                "use the partner router's own ASN, or change cloud.asn",
            )
    elif link.state == "enabled":
        yield Issue((*at, "peer_asn"), None, "an enabled link needs the partner router's BGP ASN", "set peer_asn")


@validator(
    "link.state",
    "error",
    "Each zone's link has what its state needs: from ordered on a location and a port (dedicated) or a hosted "
    "bandwidth and connection id; when enabled a VLAN in the cloud's range and the partner's ASN; the cloud ASN in its range",
    "The cloud refuses a circuit without a location, a hosted bandwidth on a dedicated port, a VLAN out of range; "
    "a border router on a circuit the carrier has not built fails",
)
def check_link_state(ctx: Context, region: RegionSpec) -> Iterator[Issue]:
    if region.cloud.backend == "none":
        return
    rules = LINK_RULES[region.cloud.backend]
    asn = region.cloud.asn
    if asn is not None and not asn_in(asn, rules.asn_ranges):
        yield Issue(
            ("cloud", "asn"),
            asn,
            f"the {region.cloud.backend} side's ASN must be in {describe_ranges(rules.asn_ranges)}",
            f"use a private ASN, or leave it out for {rules.default_asn}",
        )
    for i in range(len(region.zones)):
        yield from _link_issues(region, i)


@fleet_validator(
    "link.pending",
    "error",
    "At most as many circuits are ordered and not yet enabled per cloud region as the cloud allows (Alibaba: 5), fleet-wide",
    "Alibaba refuses a sixth circuit that is not Enabled in a region and account",
)
def check_link_pending(ctx: Context) -> dict[str, list[Issue]]:
    """Circuits not yet Enabled, per cloud and cloud region (one account), against the cloud's limit;
    reported under every region that has one of them."""
    found: dict[str, list[Issue]] = {}
    pending: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for key, region in sorted(ctx.catalog.regions.items()):
        if not _applyable_cloud(region):
            continue
        for i, zone in enumerate(region.zones):
            if zone.link.state == "ordered":
                pending.setdefault((region.cloud.backend, region.cloud.region_id), []).append((key, i))
    for (backend, cloud_region), zones in pending.items():
        limit = LINK_RULES[backend].max_pending
        if limit is None or len(zones) <= limit:
            continue
        where = ", ".join(sorted({k for k, _ in zones}))
        for key, i in zones:
            found.setdefault(key, []).append(
                Issue(
                    ("zones", i, "link", "state"),
                    "ordered",
                    f"{len(zones)} circuits ordered and not yet enabled in {backend} {cloud_region} ({where}); "
                    f"the cloud allows {limit} per account and region",
                    "keep some links planned until others are enabled",
                )
            )
    return found
