"""The Ansible inventory of a region's hosts, planned from its stack outputs. Pure.

Groups: the region, each zone, each pool (group names with "_" for "-", as Ansible requires).
A pool's variables sit on its group, a host's addresses on the host, and the region's (mirror,
package source, DNS zone) plus the connection settings of wherever the hosts come from on `all`.
Operators' own role inputs are not here: they live in the region's committed
`group_vars/all/<component>.yml`, which this plan never writes.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from regionkit.planning.outputs import HostOutput, PoolOutput, StackOutputs

_RESOLVER = yaml.resolver.Resolver()


def never_templated(key: str, value: object) -> bool:
    """Whether a rendered value is marked for Ansible never to template (`!unsafe`): every string but
    Ansible's own connection variables (validated addresses, regionkit's paths) and strings that read
    as another type when untagged. Ansible re-reads an `!unsafe` scalar as if it were plain, so a
    version `'12.2'` would come back a float and `''` a null; such strings hold no template anyway."""
    if not isinstance(value, str) or key.startswith("ansible_"):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"


HELD_BACK_GROUP = "regionkit_held_back"  # hosts handover did not accept (InventoryPlan.skipped)
HELD_BACK_VAR = "regionkit_held_back_reason"
# A host whose inventory sets this to true has no accelerator by design (lab hosts, lab
# stand-ins): acceptance reports its pool's devices as not checked instead of failing L2.
NO_DEVICES_BY_DESIGN = "regionkit_no_devices_by_design"


def group_name(name: str) -> str:
    """Ansible group names may not contain '-'."""
    return name.replace("-", "_")


# A zone's ranges that a pool's collectives cross (the host firewall admits them between nodes).
POOL_RANGES = ("management", "storage", "fabric")


def pool_variables(pool: PoolOutput, zone_ranges: dict[str, str] | None = None) -> dict[str, Any]:
    """What the roles and the acceptance suites read about a pool (regionkit_*)."""
    ranges = [zone_ranges[r] for r in POOL_RANGES if zone_ranges and r in zone_ranges]
    return {
        "regionkit_pool_ranges": ranges,
        "regionkit_pool": pool.name,
        "regionkit_zone": pool.zone,
        "regionkit_facility": pool.facility,
        "regionkit_accelerator": pool.accelerator,
        "regionkit_accelerator_vendor": pool.vendor,
        "regionkit_accelerator_stack": pool.stack,
        "regionkit_accelerators_per_server": pool.accelerators_per_server,
        "regionkit_collective_library": pool.collective_library,
        "regionkit_busbw_floor_gbps": pool.busbw_floor_gbps,
        "regionkit_licence_ref": pool.licence_ref,
        "regionkit_software": dict(sorted(pool.software.items())),
    }


def host_variables(host: HostOutput) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "ansible_host": host.address,
        "regionkit_storage_address": host.storage_address,
        "regionkit_fabric_address": host.fabric_address,
    }
    if host.bmc_address:
        variables["regionkit_bmc_address"] = host.bmc_address
    if host.serial:
        variables["regionkit_serial"] = host.serial
    return variables


@dataclass(frozen=True)
class InventoryPlan:
    """A region's inventory: what `hosts.yml` holds, as data."""

    region: str
    source: str  # where the hosts came from, for the file's header
    variables: dict[str, Any]  # on `all`
    pools: tuple[PoolOutput, ...]
    zone_ranges: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # host -> why bootstrap and verify leave it out

    @property
    def pool_of(self) -> dict[str, str]:
        """Each host's pool group."""
        return {h.name: p.group for p in self.pools for h in p.hosts}

    @property
    def hosts(self) -> list[str]:
        return sorted(self.pool_of)

    @property
    def going_on(self) -> list[str]:
        """The hosts bootstrap and verify work on: every host but those held back at handover."""
        return [h for h in self.hosts if h not in self.skipped]

    def groups(self) -> dict[str, set[str]]:
        """Every group of the inventory and its hosts."""
        everyone = set(self.pool_of)
        groups: dict[str, set[str]] = {"all": everyone, group_name(self.region): everyone, HELD_BACK_GROUP: set(self.skipped)}
        for pool in self.pools:
            names = {h.name for h in pool.hosts}
            groups.setdefault(pool.group, set()).update(names)
            groups.setdefault(group_name(pool.zone), set()).update(names)
        return groups

    def match(self, pattern: str | None) -> list[str]:
        """The hosts an Ansible-style host pattern selects: names or groups (shell globs, `~regex`),
        joined by `,` or `:`, `&` to intersect and `!` to exclude, as `--limit` reads them."""
        if not pattern:
            return self.hosts
        groups = self.groups()
        parts = [p.strip() for p in re.split(r"[,:]", pattern) if p.strip()]
        # As Ansible does: a pattern that starts by excluding or intersecting starts from every host.
        chosen = set(self.pool_of) if parts and parts[0][0] in "!&" else set[str]()
        for part in parts:
            op, term = (part[0], part[1:]) if part[0] in "!&" else ("", part)
            if term.startswith("~"):
                rx = re.compile(term[1:])
                picked = {h for h in self.pool_of if rx.search(h)} | {h for g, hs in groups.items() if rx.search(g) for h in hs}
            else:
                picked = {h for h in self.pool_of if fnmatch.fnmatchcase(h, term)}
                picked |= {h for g, hs in groups.items() if fnmatch.fnmatchcase(g, term) for h in hs}
            if op == "!":
                chosen -= picked
            elif op == "&":
                chosen &= picked
            else:
                chosen |= picked
        return sorted(chosen)

    def document(self) -> dict[str, Any]:
        """The YAML inventory (Ansible's `yaml` inventory format) as plain data."""
        zones: dict[str, dict[str, Any]] = {}
        for pool in sorted(self.pools, key=lambda p: (p.zone, p.group)):
            children = zones.setdefault(group_name(pool.zone), {"children": {}})["children"]
            children[pool.group] = {
                "vars": pool_variables(pool, self.zone_ranges.get(pool.zone)),
                "hosts": {h.name: host_variables(h) for h in pool.hosts},
            }
        top: dict[str, Any] = {group_name(self.region): {"children": zones}}
        if self.skipped:  # held back at handover: bootstrap and verify leave them out, and say why
            top[HELD_BACK_GROUP] = {"hosts": {h: {HELD_BACK_VAR: why} for h, why in sorted(self.skipped.items())}}
        return {"all": {"vars": dict(self.variables), "children": top}}


def plan_inventory(
    outputs: StackOutputs, connection: Mapping[str, Any], source: str, held_back: Mapping[str, str] | None = None
) -> InventoryPlan:
    """The inventory of the hosts the outputs describe, reached with `connection`; `held_back`
    (host -> why) are the hosts handover did not accept."""
    variables: dict[str, Any] = {
        "regionkit_region": outputs.region,
        "regionkit_dns_zone": outputs.dns_zone.name,
        "regionkit_mirror_endpoint": outputs.mirror.endpoint,
        "regionkit_mirror_bucket": outputs.mirror.bucket,
        "regionkit_mirror_region": outputs.mirror.region,
        "regionkit_apt_mirror": outputs.package_source,
        # What the host firewall admits: SSH from the management ranges, metrics from the monitoring ones.
        "regionkit_management_ranges": sorted({z.subnets["management"] for z in outputs.zones.values() if "management" in z.subnets}),
        "regionkit_monitoring_ranges": list(outputs.monitoring),
        **connection,
    }
    zone_ranges = {zone: dict(z.subnets) for zone, z in outputs.zones.items()}
    hosts = {h.name for p in outputs.pools for h in p.hosts}
    skipped = {h: why for h, why in (held_back or {}).items() if h in hosts}
    return InventoryPlan(outputs.region, source, variables, tuple(outputs.pools), zone_ranges, skipped)
