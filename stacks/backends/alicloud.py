"""Alibaba Cloud (pulumi_alicloud 4.0): VPC, PrivateZone, KMS (in a KMS instance), OSS with a
PrivateLink endpoint, Express Connect, CEN transit router.

Argument names and values are the SDK's (read its argument classes): each choice below cites the
docstring or document it rests on.
"""

from __future__ import annotations

import pulumi
import pulumi_alicloud as ali

from backends import BucketHandle, DnsHandle, HubHandle, NetworkHandle, Registration, Tags, kept
from regionkit.planning.stack import BucketPlan, LinkPlan, PoolStackPlan, StackPlan

# vpc.BgpGroup local_asn: Alibaba's side speaks as 45104 unless a custom ASN is set.
ALIBABA_DEFAULT_ASN = 45104


class AlicloudBackend:
    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return ali.Provider(plan.region, region=plan.cloud_region, opts=opts)

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle:
        # The VPC has its own range (network.vpc), never the supernet: its system route would shadow
        # every colo range inside it (vpc.Network cidr_block).
        vpc = ali.vpc.Network(
            f"{plan.region}-vpc",
            vpc_name=f"{plan.region}-vpc",
            cidr_block=plan.vpc_cidr,
            description=f"regionkit region {plan.region}: cloud-side endpoints; the colo is reached over the links",
            tags=plan.tags,
            opts=opts,
        )
        subnets = {}
        for s in plan.cloud_subnets:
            switch = ali.vpc.Switch(
                s.name, vswitch_name=s.name, vpc_id=vpc.id, cidr_block=s.cidr, zone_id=s.cloud_zone, tags=plan.tags, opts=opts
            )
            subnets[s.cloud_zone] = switch.id
        return NetworkHandle(id=vpc.id, subnets=subnets, route_table_id=vpc.route_table_id)

    def colo_prefix_list(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        # ECS security-group rules take ECS prefix lists (ecs.EcsPrefixList; CreatePrefixList), not VPC ones.
        name = f"{plan.region}-colo"
        plist = ali.ecs.EcsPrefixList(
            name,
            prefix_list_name=name,
            address_family="IPv4",
            max_entries=max(len(plan.routed), 20),
            entries=[ali.ecs.EcsPrefixListEntryArgs(cidr=c, description="colo range reached over the links") for c in plan.routed],
            description=f"{plan.region}: colo management and monitoring ranges",
            opts=opts,
        )
        return plist.id

    def dns_zone(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> DnsHandle:
        zone = ali.pvtz.Zone(f"{plan.region}-dns", zone_name=plan.dns_zone, tags=plan.tags, opts=opts)
        attachment = ali.pvtz.ZoneAttachment(f"{plan.region}-dns-vpc", zone_id=zone.id, vpc_ids=[network.id], opts=opts)
        # The colo resolves the zone once CEN routes PrivateZone to its border routers (hub()).
        return DnsHandle(zone_id=zone.id, depends=[attachment])

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        # kms.Key dkms_instance_id: without it Alibaba creates the account's one default key per region;
        # keys in a software KMS instance rotate on a 7 to 365 day period; protection_level must match
        # the instance's (SOFTWARE) or the provider replaces the key on every apply.
        key = ali.kms.Key(
            plan.key_name,
            dkms_instance_id=plan.kms_instance,
            description=f"regionkit {plan.region}: buckets and evidence",
            key_spec="Aliyun_AES_256",
            key_usage="ENCRYPT/DECRYPT",
            protection_level="SOFTWARE",
            automatic_rotation="Enabled",
            rotation_interval="365d",
            pending_window_in_days=30,
            deletion_protection="Enabled",
            deletion_protection_description="regionkit: the region's buckets and evidence are encrypted with this key",
            tags=plan.tags,
            opts=kept(plan, plan.key_name, opts),
        )
        return key.id

    def bucket(self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions) -> BucketHandle:
        # oss.Bucket redundancy_type: ZRS only where clouds.yml says the region offers it; it cannot
        # change after creation (OSS disaster-recovery document).
        b = ali.oss.Bucket(
            bucket.name,
            bucket=bucket.name,
            redundancy_type=plan.oss_redundancy,
            server_side_encryption_rule=ali.oss.BucketServerSideEncryptionRuleArgs(sse_algorithm="KMS", kms_master_key_id=key_id),
            versioning=ali.oss.BucketVersioningArgs(status="Enabled"),
            force_destroy=False,
            tags={**plan.tags, "regionkit:purpose": bucket.purpose},
            opts=kept(plan, bucket.name, opts),
        )
        ali.oss.BucketAcl(f"{bucket.name}-acl", bucket=b.bucket, acl="private", opts=kept(plan, f"{bucket.name}-acl", opts))
        ali.oss.BucketPublicAccessBlock(
            f"{bucket.name}-public", bucket=b.bucket, block_public_access=True, opts=kept(plan, f"{bucket.name}-public", opts)
        )
        for target in bucket.replicate_to:
            ali.oss.BucketReplication(
                f"{bucket.name}-to-{target}",
                bucket=b.bucket,
                action="ALL",
                destination=ali.oss.BucketReplicationDestinationArgs(bucket=f"{bucket.name}-{target}", location=f"oss-{target}"),
                opts=opts,
            )
        return BucketHandle(name=b.bucket)

    def mirror_endpoint(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        # A PrivateLink interface endpoint of OSS in the VPC: its ENIs sit in the VPC's own range, which
        # the colo reaches over CEN and the links ("Access OSS over a private network by using PrivateLink").
        name = f"{plan.region}-mirror"
        sg = ali.ecs.SecurityGroup(
            f"{name}-sg",
            security_group_name=f"{name}-sg",
            vpc_id=network.id,
            description="cloud-side only: HTTPS to the mirror endpoint from the colo ranges",
            tags=plan.tags,
            opts=opts,
        )
        ali.ecs.SecurityGroupRule(
            f"{name}-https",
            type="ingress",
            security_group_id=sg.id,
            ip_protocol="tcp",
            port_range="443/443",
            prefix_list_id=colo_list,
            nic_type="intranet",
            policy="accept",
            description="HTTPS from the colo ranges (ECS prefix list)",
            opts=opts,
        )
        endpoint = ali.privatelink.VpcEndpoint(
            name,
            vpc_endpoint_name=name,
            vpc_id=network.id,
            service_name=plan.mirror_service,
            endpoint_type="Interface",
            security_group_ids=[sg.id],
            endpoint_description=f"{plan.region}: the artifact mirror for the colo",
            tags=plan.tags,
            opts=opts,
        )
        for s in plan.cloud_subnets:
            ali.privatelink.VpcEndpointZone(
                f"{name}-{s.cloud_zone}",
                endpoint_id=endpoint.id,
                vswitch_id=network.subnets[s.cloud_zone],
                zone_id=s.cloud_zone,
                opts=opts,
            )
        return endpoint.endpoint_domain.apply(lambda domain: f"https://{domain}")

    def hub(self, plan: StackPlan, network: NetworkHandle, dns: DnsHandle, opts: pulumi.ResourceOptions) -> HubHandle:
        # A VBR reaches a VPC only through CEN / a transit router (or an Express Connect Router): the
        # VPC attaches to a transit router, the VPC's routes to the colo point at that attachment
        # (vpc.RouteEntry nexthop_type "Attachment"), and CEN routes PrivateZone to the VBRs.
        cen = ali.cen.Instance(f"{plan.region}-cen", cen_instance_name=f"{plan.region}-cen", tags=plan.tags, opts=opts)
        tr = ali.cen.TransitRouter(
            f"{plan.region}-tr", cen_id=cen.id, transit_router_name=f"{plan.region}-tr", tags=plan.tags, opts=opts
        )
        table = ali.cen.TransitRouterRouteTable(
            f"{plan.region}-tr-routes",
            transit_router_id=tr.transit_router_id,
            transit_router_route_table_name=f"{plan.region}-tr-routes",
            tags=plan.tags,
            opts=opts,
        )
        # zone_mappings: the first zone must be the transit router's master zone (TransitRouterVpcAttachment
        # docstring); cloud.zones lists it first.
        vpc_attachment = ali.cen.TransitRouterVpcAttachment(
            f"{plan.region}-tr-vpc",
            cen_id=cen.id,
            transit_router_id=tr.transit_router_id,
            vpc_id=network.id,
            zone_mappings=[
                ali.cen.TransitRouterVpcAttachmentZoneMappingArgs(vswitch_id=network.subnets[s.cloud_zone], zone_id=s.cloud_zone)
                for s in plan.cloud_subnets
            ],
            transit_router_vpc_attachment_name=f"{plan.region}-tr-vpc",
            tags=plan.tags,
            opts=opts,
        )
        _attach_to_table(
            f"{plan.region}-tr-vpc", vpc_attachment.transit_router_attachment_id, table.transit_router_route_table_id, opts
        )
        for cidr in plan.routed:
            ali.vpc.RouteEntry(
                f"{plan.region}-to-{cidr.replace('/', '-')}",
                route_table_id=network.route_table_id,
                destination_cidrblock=cidr,
                nexthop_type="Attachment",
                nexthop_id=vpc_attachment.transit_router_attachment_id,
                description="colo range over the dedicated links",
                opts=opts,
            )
        ali.cen.PrivateZone(
            f"{plan.region}-dns-colo",
            cen_id=cen.id,
            access_region_id=plan.cloud_region,
            host_region_id=plan.cloud_region,
            host_vpc_id=network.id,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[vpc_attachment, *dns.depends])),
        )
        return HubHandle(id=tr.transit_router_id, cen_id=cen.id, route_table_id=table.transit_router_route_table_id)

    def link(self, plan: StackPlan, link: LinkPlan, hub: HubHandle | None, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        circuit: pulumi.Output[str] | str = link.connection_id  # hosted: the partner's circuit
        if link.creates_circuit:
            # expressconnect.PhysicalConnection: `bandwidth` is the hosted connection's; a dedicated port
            # is its port_type. It stays Initial until the carrier builds it.
            pc = ali.expressconnect.PhysicalConnection(
                link.name,
                physical_connection_name=link.name,
                access_point_id=link.location,
                line_operator="Equinix" if link.partner == "equinix" else "Other",
                peer_location=link.facility,
                port_type=link.port,
                type="VPC",
                description=f"dedicated link to {link.facility}",
                opts=kept(plan, link.name, opts),
            )
            circuit = pc.id
        if not link.enabled or hub is None:
            return
        assert link.vlan_id is not None and link.peer_asn is not None  # link.state validator
        vbr = ali.expressconnect.VirtualBorderRouter(
            f"{link.name}-vbr",
            virtual_border_router_name=f"{link.name}-vbr",
            physical_connection_id=circuit,
            vlan_id=link.vlan_id,
            local_gateway_ip=link.cloud_address,
            peer_gateway_ip=link.peer_address,
            peering_subnet_mask=link.netmask,
            description=f"{link.facility} over {link.name}",
            tags=tags,
            opts=opts,
        )
        group = ali.vpc.BgpGroup(
            f"{link.name}-bgp",
            bgp_group_name=f"{link.name}-bgp",
            router_id=vbr.id,
            peer_asn=link.peer_asn,
            local_asn=None if link.cloud_asn == ALIBABA_DEFAULT_ASN else link.cloud_asn,
            description=f"BGP with {link.partner}'s router at {link.facility}",
            opts=opts,
        )
        ali.vpc.BgpPeer(f"{link.name}-bgp-peer", bgp_group_id=group.id, peer_ip_address=link.peer_address, enable_bfd=True, opts=opts)
        attachment = ali.cen.TransitRouterVbrAttachment(
            f"{link.name}-tr",
            cen_id=hub.cen_id,
            transit_router_id=hub.id,
            vbr_id=vbr.id,
            auto_publish_route_enabled=True,
            transit_router_attachment_name=f"{link.name}-tr",
            tags=tags,
            opts=opts,
        )
        assert hub.route_table_id is not None
        _attach_to_table(f"{link.name}-tr", attachment.transit_router_attachment_id, hub.route_table_id, opts)

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None:
        ali.pvtz.ZoneRecord(f"{host}-a", zone_id=zone_id, rr=host, type="A", value=address, ttl=60, opts=opts)

    def node_registration(self, plan: StackPlan, pool: PoolStackPlan, opts: pulumi.ResourceOptions) -> Registration | None:
        # An activation code lives 4 hours at most and pulumi_alicloud 4.0 returns none, so a
        # stack-made one could never be used: the bootstrap calls ECS CreateActivation itself (the
        # request is in the stack outputs, `registration`) and registers the nodes with the code at once.
        return None


def _attach_to_table(name: str, attachment: pulumi.Output[str], table: pulumi.Output[str], opts: pulumi.ResourceOptions) -> None:
    """Associate a transit-router attachment with the region's route table and propagate its routes."""
    ali.cen.TransitRouterRouteTableAssociation(
        f"{name}-assoc", transit_router_attachment_id=attachment, transit_router_route_table_id=table, opts=opts
    )
    ali.cen.TransitRouterRouteTablePropagation(
        f"{name}-prop", transit_router_attachment_id=attachment, transit_router_route_table_id=table, opts=opts
    )
