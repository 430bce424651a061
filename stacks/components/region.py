from __future__ import annotations

from typing import Any

import pulumi

from backends import CloudBackend
from components.mirror import ArtifactMirror
from components.zone import Zone
from regionkit.planning.outputs import pool_output
from regionkit.planning.stack import StackPlan


class Region(pulumi.ComponentResource):
    """A whole region: its network with the supernet, a private DNS zone, a region-local KMS
    key, the artifact mirror and evidence buckets, and one Zone per partner facility."""

    outputs: dict[str, Any]

    def __init__(self, name: str, plan: StackPlan, backend: CloudBackend, opts: pulumi.ResourceOptions | None = None):
        """
        :param plan: what the region creates (regionkit.planning.stack.plan_stack).
        :param backend: the cloud seam chosen by the region's declaration.
        """
        super().__init__("regionkit:region:Region", name, None, opts)
        provider = backend.provider(plan, pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        network = backend.network(plan, child)
        dns_zone_id = backend.dns_zone(plan, network, child)
        key_id = backend.kms_key(plan, child)
        management_list = backend.prefix_list(f"{plan.region}-management", plan.management, plan.tags, child)
        artifacts, evidence = plan.buckets
        mirror = ArtifactMirror(f"{plan.region}-mirror", plan, artifacts, key_id, backend, child)
        evidence_bucket = backend.bucket(plan, evidence, key_id, child)
        for zone in plan.zones:
            zone_opts = pulumi.ResourceOptions(parent=self, providers=[provider])
            Zone(zone.id, zone, network, dns_zone_id, plan.dns_zone, management_list, backend, zone_opts)
        self.outputs = {
            "region": plan.region,
            "backend": plan.backend,
            "cloud_region": plan.cloud_region,
            "dns_zone": {"name": plan.dns_zone, "id": dns_zone_id},
            "kms_key": key_id,
            "mirror": {"bucket": mirror.handle.name, "endpoint": mirror.handle.endpoint},
            "evidence_bucket": evidence_bucket.name,
            "zones": {z.id: {"facility": z.facility, "subnets": z.subnets, "link": z.link.name} for z in plan.zones},
            "pools": [pool_output(p.pool).model_dump() for z in plan.zones for p in z.pools],
        }
        self.register_outputs(self.outputs)
