"""The Ansible inventory of a region's hosts, planned from its stack outputs. Pure.

Groups: the region, each zone, each pool (group names with "_" for "-", as Ansible requires).
A pool's variables sit on its group, a host's addresses on the host, and the region's (mirror,
package source, DNS zone) plus the connection settings of wherever the hosts come from on `all`.
Operators' own role inputs are not here: they live in the region's committed
`group_vars/all/<component>.yml`, which this plan never writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regionkit.planning.outputs import HostOutput, PoolOutput, StackOutputs


def group_name(name: str) -> str:
    """Ansible group names may not contain '-'."""
    return name.replace("-", "_")


def pool_variables(pool: PoolOutput) -> dict[str, Any]:
    """What the roles and the acceptance suites read about a pool (regionkit_*)."""
    return {
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
    skipped: dict[str, str] = field(default_factory=dict)  # host -> why bootstrap and verify leave it out

    @property
    def pool_of(self) -> dict[str, str]:
        """Each host's pool group."""
        return {h.name: p.group for p in self.pools for h in p.hosts}

    @property
    def hosts(self) -> list[str]:
        return sorted(self.pool_of)

    def document(self) -> dict[str, Any]:
        """The YAML inventory (Ansible's `yaml` inventory format) as plain data."""
        zones: dict[str, dict[str, Any]] = {}
        for pool in sorted(self.pools, key=lambda p: (p.zone, p.group)):
            children = zones.setdefault(group_name(pool.zone), {"children": {}})["children"]
            children[pool.group] = {
                "vars": pool_variables(pool),
                "hosts": {h.name: host_variables(h) for h in pool.hosts},
            }
        return {"all": {"vars": dict(self.variables), "children": {group_name(self.region): {"children": zones}}}}


def plan_inventory(outputs: StackOutputs, connection: Mapping[str, Any], source: str) -> InventoryPlan:
    """The inventory of the hosts the outputs describe, reached with `connection`."""
    variables: dict[str, Any] = {
        "regionkit_region": outputs.region,
        "regionkit_dns_zone": outputs.dns_zone.name,
        "regionkit_mirror_endpoint": outputs.mirror.endpoint,
        "regionkit_mirror_bucket": outputs.mirror.bucket,
        "regionkit_mirror_region": outputs.mirror.region,
        "regionkit_apt_mirror": outputs.package_source,
        **connection,
    }
    return InventoryPlan(outputs.region, source, variables, tuple(outputs.pools))
