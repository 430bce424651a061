from __future__ import annotations

import pulumi

from backends import CloudBackend, HubHandle, Registration
from components.pool import AcceleratorPool
from regionkit.planning.stack import StackPlan, ZoneStackPlan


class Zone(pulumi.ComponentResource):
    """One partner facility: its dedicated link, in the state the catalog declares (planned: nothing;
    ordered: the circuit; enabled: also the border router or virtual interface and its BGP session on
    the region's hub), and its pools. The colo's own ranges are not cloud subnets: they stay behind
    the link, and the servers are protected by their host firewall, not by cloud security groups."""

    registrations: dict[str, Registration | None]

    def __init__(
        self,
        name: str,
        region: StackPlan,
        plan: ZoneStackPlan,
        hub: HubHandle | None,
        dns_zone_id: pulumi.Output[str],
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param region: the region's stack plan.
        :param plan: the zone's link and pools.
        :param hub: what an enabled link attaches to (None while no link is enabled).
        :param dns_zone_id: the region's private DNS zone, for the pools' records.
        :param backend: the cloud seam.
        """
        super().__init__("regionkit:zone:Zone", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        backend.link(region, plan.link, hub, plan.tags, child)
        self.registrations = {}
        for pool in plan.pools:
            built = AcceleratorPool(f"{plan.id}-{pool.pool.name}", region, pool, dns_zone_id, backend, child)
            self.registrations[pool.pool.group] = built.registration
        self.register_outputs({"link": plan.link.name, "state": plan.link.state})
