from __future__ import annotations

import pulumi

from backends import CloudBackend, NetworkHandle
from components.pool import AcceleratorPool
from regionkit.planning.stack import ZoneStackPlan


class Zone(pulumi.ComponentResource):
    """One partner facility: subnets, the dedicated link named after the facility, and a
    security group per pool."""

    def __init__(
        self,
        name: str,
        plan: ZoneStackPlan,
        network: NetworkHandle,
        dns_zone_id: pulumi.Output[str],
        dns_domain: str,
        management_list: pulumi.Output[str],
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param plan: the zone's subnets, link and pools.
        :param network: the region's network the subnets and link attach to.
        :param dns_zone_id: the region's private DNS zone, for the pools' records.
        :param dns_domain: that zone's domain.
        :param management_list: the region's prefix list of management subnets (SSH sources).
        :param backend: the cloud seam.
        """
        super().__init__("regionkit:zone:Zone", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for role, cidr in plan.subnets.items():
            backend.subnet(f"{plan.id}-{role}", network, cidr, plan.cloud_zone, plan.tags, child)
        backend.link(plan.link, network, plan.tags, child)
        for pool in plan.pools:
            backend.security_group(f"{plan.id}-{pool.pool.name}-sg", network, pool.rules, management_list, pool.tags, child)
            AcceleratorPool(f"{plan.id}-{pool.pool.name}", pool, dns_zone_id, dns_domain, backend, child)
        self.register_outputs({"subnets": plan.subnets, "link": plan.link.name})
