from __future__ import annotations

import pulumi

from backends import CloudBackend
from regionkit.planning.stack import PoolStackPlan


class AcceleratorPool(pulumi.ComponentResource):
    """One pool of a zone: DNS records for its servers, the node-registration activation, and
    the outputs the Ansible inventory needs."""

    def __init__(
        self,
        name: str,
        plan: PoolStackPlan,
        dns_zone_id: pulumi.Output[str],
        dns_domain: str,
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param plan: the pool's servers, pins and tags.
        :param dns_zone_id: the region's private DNS zone.
        :param dns_domain: the zone's domain (records are <server>.<domain>).
        :param backend: the cloud seam.
        """
        super().__init__("regionkit:pool:AcceleratorPool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for server in plan.pool.servers:
            backend.dns_record(dns_zone_id, dns_domain, server.name, str(server.management_address), child)
        backend.node_registration(plan.pool, plan.tags, child)
        self.register_outputs({"hosts": [s.name for s in plan.pool.servers]})
