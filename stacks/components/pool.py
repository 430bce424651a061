from __future__ import annotations

import pulumi

from backends import CloudBackend, Registration
from regionkit.planning.stack import PoolStackPlan, StackPlan


class AcceleratorPool(pulumi.ComponentResource):
    """One pool of a zone: DNS records for its servers and, where the cloud lets the stack make one
    that works (aws), the node-registration activation."""

    registration: Registration | None

    def __init__(
        self,
        name: str,
        region: StackPlan,
        plan: PoolStackPlan,
        dns_zone_id: pulumi.Output[str],
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param region: the region's stack plan (its DNS domain).
        :param plan: the pool's servers, registration and tags.
        :param dns_zone_id: the region's private DNS zone.
        :param backend: the cloud seam.
        """
        super().__init__("regionkit:pool:AcceleratorPool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for server in plan.pool.servers:
            backend.dns_record(dns_zone_id, region.dns_zone, server.name, str(server.management_address), child)
        self.registration = backend.node_registration(region, plan, child)
        self.register_outputs({"hosts": [s.name for s in plan.pool.servers]})
