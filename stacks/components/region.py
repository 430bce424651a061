from __future__ import annotations

from typing import Any

import pulumi

from backends import CloudBackend, HubHandle, Registration
from components.mirror import ArtifactMirror
from components.zone import Zone
from regionkit.planning.outputs import pool_output
from regionkit.planning.stack import PoolStackPlan, StackPlan, activation_request

# The package source's name in the region's private zone: packages.<region>.internal.
PACKAGES_RECORD = "packages"


class Region(pulumi.ComponentResource):
    """A whole region: a VPC with its own range and subnets for the cloud-side endpoints, a private
    DNS zone the colo can resolve, a region-local KMS key, the artifact mirror (with its private
    endpoint) and evidence buckets, the hub enabled links attach to, and one Zone per partner facility."""

    outputs: dict[str, Any]

    def __init__(self, name: str, plan: StackPlan, backend: CloudBackend, opts: pulumi.ResourceOptions | None = None):
        """
        :param plan: what the region creates (regionkit.planning.stack.plan_stack).
        :param backend: the cloud seam chosen by the region's declaration.
        """
        super().__init__("regionkit:region:Region", name, None, opts)
        provider = backend.provider(plan, pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        components = pulumi.ResourceOptions(parent=self, providers=[provider])
        network = backend.network(plan, child)
        colo_list = backend.colo_prefix_list(plan, network, child)
        dns = backend.dns_zone(plan, network, colo_list, child)
        key_id = backend.kms_key(plan, child)
        artifacts, evidence = plan.buckets
        mirror = ArtifactMirror(f"{plan.region}-mirror", plan, artifacts, key_id, network, colo_list, backend, components)
        evidence_bucket = backend.bucket(plan, evidence, key_id, child)
        hub: HubHandle | None = backend.hub(plan, network, dns, child) if plan.routes_to_colo else None
        if plan.package_proxy:  # the package source by name too, for people and tools in the colo
            backend.dns_record(dns.zone_id, plan.dns_zone, PACKAGES_RECORD, plan.package_proxy, child)
        registrations: dict[str, Registration | None] = {}
        for zone in plan.zones:
            built = Zone(zone.id, plan, zone, hub, dns.zone_id, backend, components)
            registrations.update(built.registrations)
        self.outputs = {
            "region": plan.region,
            "backend": plan.backend,
            "cloud_region": plan.cloud_region,
            "dns_zone": {"name": plan.dns_zone, "id": dns.zone_id, "resolvers": list(plan.resolvers)},
            "kms_key": key_id,
            "mirror": {"bucket": mirror.handle.name, "endpoint": mirror.endpoint, "region": plan.cloud_region},
            "evidence_bucket": evidence_bucket.name,
            "package_source": plan.package_source,
            "network": {"vpc_cidr": plan.vpc_cidr, "routed": list(plan.routed), "attached": plan.routes_to_colo},
            "zones": {
                z.id: {
                    "facility": z.facility,
                    "subnets": z.subnets,
                    "link": z.link.name,
                    "circuit": {
                        "name": z.link.name,
                        "state": z.link.state,
                        "kind": z.link.kind,
                        "vlan_id": z.link.vlan_id,
                        "peer_asn": z.link.peer_asn,
                        "cloud_asn": z.link.cloud_asn,
                        "cloud_address": z.link.cloud_address,
                        "peer_address": z.link.peer_address,
                        "prefix_length": z.link.prefix_length,
                    },
                }
                for z in plan.zones
            },
            "monitoring": [plan.monitoring],
            "pools": [pool_output(p.pool).model_dump() for z in plan.zones for p in z.pools],
            "registration": [_registration(plan, p, registrations.get(p.pool.group)) for z in plan.zones for p in z.pools],
        }
        self.register_outputs(self.outputs)


def _registration(plan: StackPlan, pool: PoolStackPlan, made: Registration | None) -> dict[str, Any]:
    """One pool's registration output: the stack's activation as Pulumi secrets (aws), or the
    CreateActivation request the bootstrap makes (alicloud)."""
    reg = pool.registration
    out: dict[str, Any] = {
        "group": pool.pool.group,
        "service": reg.service,
        "name": reg.name,
        "servers": reg.servers,
        "rotated": reg.rotated,
        "expires": reg.expires,
    }
    if made is not None:
        return {**out, "obtained_at": "stack", "activation_id": made.activation_id, "activation_code": made.activation_code}
    return {**out, "obtained_at": "bootstrap", "create_activation": activation_request(plan, pool)}
