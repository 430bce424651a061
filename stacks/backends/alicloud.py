"""Alibaba Cloud (pulumi_alicloud): VPC, PrivateZone, KMS, OSS, vSwitches, Express Connect."""

from __future__ import annotations

import pulumi
import pulumi_alicloud as ali

from backends import BucketHandle, NetworkHandle, Tags
from regionkit.planning.servers import PoolPlan
from regionkit.planning.stack import BucketPlan, LinkPlan, RulePlan, StackPlan


def _port_type(mbps: int) -> str:
    # Express Connect port types (CreatePhysicalConnection, PortType).
    if mbps <= 1000:
        return "1000Base-LX"
    if mbps <= 10000:
        return "10GBase-LR"
    if mbps <= 40000:
        return "40GBase-LR"
    return "100GBase-LR"


class AlicloudBackend:
    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return ali.Provider(plan.region, region=plan.cloud_region, opts=opts)

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle:
        vpc = ali.vpc.Network(
            f"{plan.region}-vpc",
            vpc_name=f"{plan.region}-vpc",
            cidr_block=plan.supernet,
            description=f"regionkit region {plan.region}",
            tags=plan.tags,
            opts=opts,
        )
        return NetworkHandle(id=vpc.id)

    def dns_zone(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        zone = ali.pvtz.Zone(f"{plan.region}-dns", zone_name=plan.dns_zone, tags=plan.tags, opts=opts)
        ali.pvtz.ZoneAttachment(f"{plan.region}-dns-vpc", zone_id=zone.id, vpc_ids=[network.id], opts=opts)
        return zone.id

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        key = ali.kms.Key(
            f"{plan.region}-key",
            description=f"regionkit {plan.region}: buckets and evidence",
            key_spec="Aliyun_AES_256",
            key_usage="ENCRYPT/DECRYPT",
            automatic_rotation="Enabled",
            rotation_interval="8760h",
            pending_window_in_days=30,
            tags=plan.tags,
            opts=opts,
        )
        return key.id

    def bucket(self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions) -> BucketHandle:
        b = ali.oss.Bucket(
            bucket.name,
            bucket=bucket.name,
            redundancy_type="ZRS",
            server_side_encryption_rule=ali.oss.BucketServerSideEncryptionRuleArgs(sse_algorithm="KMS", kms_master_key_id=key_id),
            versioning=ali.oss.BucketVersioningArgs(status="Enabled"),
            tags={**plan.tags, "regionkit:purpose": bucket.purpose},
            opts=opts,
        )
        ali.oss.BucketAcl(f"{bucket.name}-acl", bucket=b.bucket, acl="private", opts=opts)
        ali.oss.BucketPublicAccessBlock(f"{bucket.name}-public", bucket=b.bucket, block_public_access=True, opts=opts)
        for target in bucket.replicate_to:
            ali.oss.BucketReplication(
                f"{bucket.name}-to-{target}",
                bucket=b.bucket,
                action="ALL",
                destination=ali.oss.BucketReplicationDestinationArgs(bucket=f"{bucket.name}-{target}", location=f"oss-{target}"),
                opts=opts,
            )
        return BucketHandle(name=b.bucket, endpoint=f"https://oss-{plan.cloud_region}-internal.aliyuncs.com")

    def prefix_list(self, name: str, cidrs: tuple[str, ...], tags: Tags, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        plist = ali.vpc.PrefixList(
            name,
            prefix_list_name=name,
            ip_version="IPV4",
            max_entries=max(len(cidrs), 20),
            entrys=[ali.vpc.PrefixListEntryArgs(cidr=c, description="zone management subnet") for c in cidrs],
            tags=tags,
            opts=opts,
        )
        return plist.id

    def subnet(
        self, name: str, network: NetworkHandle, cidr: str, cloud_zone: str, tags: Tags, opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        switch = ali.vpc.Switch(name, vswitch_name=name, vpc_id=network.id, cidr_block=cidr, zone_id=cloud_zone, tags=tags, opts=opts)
        return switch.id

    def link(self, link: LinkPlan, network: NetworkHandle, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        partner = link.facility.split(":", 1)[0]
        pc = ali.expressconnect.PhysicalConnection(
            link.name,
            physical_connection_name=link.name,
            access_point_id=link.location,
            line_operator="Equinix" if partner == "equinix" else "Other",
            peer_location=link.facility,
            port_type=_port_type(link.bandwidth_mbps),
            bandwidth=str(link.bandwidth_mbps),
            type="VPC",
            description=f"dedicated link to {link.facility}",
            opts=opts,
        )
        ali.expressconnect.VirtualBorderRouter(
            f"{link.name}-vbr",
            virtual_border_router_name=f"{link.name}-vbr",
            physical_connection_id=pc.id,
            vlan_id=link.vlan_id,
            local_gateway_ip=link.cloud_address,
            peer_gateway_ip=link.peer_address,
            peering_subnet_mask="255.255.255.252",
            description=f"{link.facility} over {link.name}",
            tags=tags,
            opts=opts,
        )

    def security_group(
        self,
        name: str,
        network: NetworkHandle,
        rules: tuple[RulePlan, ...],
        management_list: pulumi.Output[str],
        tags: Tags,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.Output[str]:
        sg = ali.ecs.SecurityGroup(
            name,
            security_group_name=name,
            vpc_id=network.id,
            inner_access_policy="Drop",
            description=f"pool {name}: ssh from management, collectives within, metrics from monitoring",
            tags=tags,
            opts=opts,
        )
        for rule in rules:
            ali.ecs.SecurityGroupRule(
                f"{name}-{rule.name}",
                type="ingress",
                security_group_id=sg.id,
                ip_protocol=rule.protocol,
                port_range="-1/-1" if rule.protocol == "all" else f"{rule.from_port}/{rule.to_port}",
                cidr_ip=rule.source_cidr,
                prefix_list_id=management_list if rule.source_prefix_list else None,
                source_security_group_id=None if rule.source_cidr or rule.source_prefix_list else sg.id,
                nic_type="intranet",
                policy="accept",
                description=rule.description,
                opts=opts,
            )
        return sg.id

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None:
        ali.pvtz.ZoneRecord(f"{host}-a", zone_id=zone_id, rr=host, type="A", value=address, ttl=60, opts=opts)

    def node_registration(self, pool: PoolPlan, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        # Cloud Assistant managed instances: the pool's servers register with this activation code.
        ali.ecs.Activation(
            f"{pool.zone}-{pool.name}-activation",
            instance_name=f"{pool.zone}-{pool.name}",
            instance_count=len(pool.servers),
            time_to_live_in_hours=24,
            description=f"node registration for pool {pool.zone}/{pool.name}",
            opts=opts,
        )
