"""AWS (pulumi_aws 7.x): VPC, Route 53 private zone with an inbound resolver, KMS, S3 with an
interface endpoint, Direct Connect, SSM hybrid activations.

Argument names and values are the SDK's (read its argument classes): each choice below cites the
docstring or document it rests on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from backends import BucketHandle, DnsHandle, HubHandle, NetworkHandle, Registration, Tags, kept
from regionkit.catalog.cloud_rules import AWS_BGP_ASN_INT_MAX
from regionkit.planning.stack import BucketPlan, LinkPlan, PoolStackPlan, StackPlan

DNS_PORT = 53
HTTPS_PORT = 443


def _trust(service: str) -> str:
    """An IAM trust policy letting one AWS service assume the role."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _bucket_endpoint(entries: Sequence[object] | None) -> str:
    """https://bucket.<endpoint-specific name> from an S3 interface endpoint's DNS entries: the regional
    (shortest) name, its wildcard label replaced by `bucket` (S3 "Accessing buckets from interface
    endpoints": endpoint-specific DNS names)."""
    names = sorted((str(getattr(e, "dns_name", None) or "") for e in entries or []), key=len)
    name = next((n for n in names if n), "")
    return f"https://bucket.{name.removeprefix('*.')}" if name else ""


class AwsBackend:
    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return aws.Provider(plan.region, region=plan.cloud_region, opts=opts)

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle:
        # The VPC has its own range: traffic to any address inside the VPC CIDR takes the local route,
        # so a colo range inside it could never be routed out (VPC_Route_Tables.html).
        vpc = aws.ec2.Vpc(
            f"{plan.region}-vpc",
            cidr_block=plan.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**plan.tags, "Name": f"{plan.region}-vpc"},
            opts=opts,
        )
        table = aws.ec2.RouteTable(
            f"{plan.region}-routes", vpc_id=vpc.id, tags={**plan.tags, "Name": f"{plan.region}-routes"}, opts=opts
        )
        subnets = {}
        for s in plan.cloud_subnets:
            subnet = aws.ec2.Subnet(
                s.name,
                vpc_id=vpc.id,
                cidr_block=s.cidr,
                availability_zone=s.cloud_zone,
                map_public_ip_on_launch=False,
                tags={**plan.tags, "Name": s.name},
                opts=opts,
            )
            aws.ec2.RouteTableAssociation(f"{s.name}-routes", subnet_id=subnet.id, route_table_id=table.id, opts=opts)
            subnets[s.cloud_zone] = subnet.id
        return NetworkHandle(id=vpc.id, subnets=subnets, route_table_id=table.id)

    def colo_prefix_list(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        name = f"{plan.region}-colo"
        plist = aws.ec2.ManagedPrefixList(
            name,
            name=name,
            address_family="IPv4",
            max_entries=max(len(plan.routed), 20),
            entries=[aws.ec2.ManagedPrefixListEntryArgs(cidr=c, description="colo range reached over the links") for c in plan.routed],
            tags=plan.tags,
            opts=opts,
        )
        return plist.id

    def _endpoint_sg(
        self,
        plan: StackPlan,
        name: str,
        network: NetworkHandle,
        colo_list: pulumi.Output[str],
        ports: list[tuple[str, int]],
        opts: pulumi.ResourceOptions,
    ) -> pulumi.Output[str]:
        """A security group for a cloud-side endpoint (never for the colo's servers): ingress only
        from the colo prefix list."""
        sg = aws.ec2.SecurityGroup(
            name,
            name=name,
            vpc_id=network.id,
            description="cloud-side endpoint: ingress only from the colo ranges",
            tags=plan.tags,
            opts=opts,
        )
        for protocol, port in ports:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{protocol}{port}",
                security_group_id=sg.id,
                ip_protocol=protocol,
                from_port=port,
                to_port=port,
                prefix_list_id=colo_list,
                description=f"{protocol}/{port} from the colo ranges",
                tags=plan.tags,
                opts=opts,
            )
        return sg.id

    def dns_zone(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> DnsHandle:
        zone = aws.route53.Zone(
            f"{plan.region}-dns",
            name=plan.dns_zone,
            vpcs=[aws.route53.ZoneVpcArgs(vpc_id=network.id)],
            tags=plan.tags,
            opts=opts,
        )
        # A private hosted zone answers only inside its VPC; an INBOUND resolver endpoint gives the colo
        # addresses in the VPC to send its queries to (route53.ResolverEndpoint direction).
        sg = self._endpoint_sg(plan, f"{plan.region}-dns-sg", network, colo_list, [("udp", DNS_PORT), ("tcp", DNS_PORT)], opts)
        aws.route53.ResolverEndpoint(
            f"{plan.region}-dns-inbound",
            name=f"{plan.region}-dns-inbound",
            direction="INBOUND",
            security_group_ids=[sg],
            ip_addresses=[
                aws.route53.ResolverEndpointIpAddressArgs(subnet_id=network.subnets[s.cloud_zone], ip=s.resolver_address)
                for s in plan.cloud_subnets
            ],
            protocols=["Do53"],
            tags=plan.tags,
            opts=opts,
        )
        return DnsHandle(zone_id=zone.zone_id)

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        # AWS KMS has no deletion-protection flag: the longest waiting period (30 days) and the stack's
        # protect + retain_on_delete stand in for it.
        key = aws.kms.Key(
            plan.key_name,
            description=f"regionkit {plan.region}: buckets and evidence",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            multi_region=False,
            tags=plan.tags,
            opts=kept(plan, plan.key_name, opts),
        )
        return key.arn

    def bucket(self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions) -> BucketHandle:
        b = aws.s3.Bucket(
            bucket.name,
            bucket=bucket.name,
            force_destroy=False,
            tags={**plan.tags, "regionkit:purpose": bucket.purpose},
            opts=kept(plan, bucket.name, opts),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{bucket.name}-sse",
            bucket=b.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key_id
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=kept(plan, f"{bucket.name}-sse", opts),
        )
        aws.s3.BucketVersioning(
            f"{bucket.name}-versioning",
            bucket=b.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=kept(plan, f"{bucket.name}-versioning", opts),
        )
        aws.s3.BucketPublicAccessBlock(
            f"{bucket.name}-public",
            bucket=b.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=kept(plan, f"{bucket.name}-public", opts),
        )
        if bucket.replicate_to:
            role = aws.iam.Role(f"{bucket.name}-replication", assume_role_policy=_trust("s3.amazonaws.com"), tags=plan.tags, opts=opts)
            aws.s3.BucketReplicationConfig(
                f"{bucket.name}-replication",
                bucket=b.id,
                role=role.arn,
                rules=[
                    aws.s3.BucketReplicationConfigRuleArgs(
                        id=f"to-{target}",
                        status="Enabled",
                        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                            bucket=f"arn:aws:s3:::{bucket.name}-{target}", storage_class="STANDARD"
                        ),
                    )
                    for target in bucket.replicate_to
                ],
                opts=opts,
            )
        return BucketHandle(name=b.bucket)

    def mirror_endpoint(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        # An S3 *interface* endpoint has addresses in the VPC that the colo reaches over Direct Connect;
        # a gateway endpoint would serve the VPC only (ec2.VpcEndpoint vpc_endpoint_type).
        sg = self._endpoint_sg(plan, f"{plan.region}-mirror-sg", network, colo_list, [("tcp", HTTPS_PORT)], opts)
        endpoint = aws.ec2.VpcEndpoint(
            f"{plan.region}-mirror",
            vpc_id=network.id,
            service_name=plan.mirror_service,
            vpc_endpoint_type="Interface",
            subnet_ids=[network.subnets[s.cloud_zone] for s in plan.cloud_subnets],
            security_group_ids=[sg],
            private_dns_enabled=False,
            tags={**plan.tags, "Name": f"{plan.region}-mirror"},
            opts=opts,
        )
        return endpoint.dns_entries.apply(_bucket_endpoint)

    def hub(self, plan: StackPlan, network: NetworkHandle, dns: DnsHandle, opts: pulumi.ResourceOptions) -> HubHandle:
        # The virtual private gateway propagates the routes the partner advertises over BGP into the
        # VPC's route table (ec2.VpnGatewayRoutePropagation); the DX gateway association advertises only
        # `allowed_prefixes` to the colo (without them, the whole VPC CIDR by default).
        vgw = aws.ec2.VpnGateway(f"{plan.region}-vgw", vpc_id=network.id, tags=plan.tags, opts=opts)
        aws.ec2.VpnGatewayRoutePropagation(
            f"{plan.region}-vgw-routes", vpn_gateway_id=vgw.id, route_table_id=network.route_table_id, opts=opts
        )
        dxgw = aws.directconnect.Gateway(
            f"{plan.region}-dxgw", name=f"{plan.region}-dxgw", amazon_side_asn=str(plan.cloud_asn), tags=plan.tags, opts=opts
        )
        aws.directconnect.GatewayAssociation(
            f"{plan.region}-dxgw-vgw",
            dx_gateway_id=dxgw.id,
            associated_gateway_id=vgw.id,
            allowed_prefixes=[plan.vpc_cidr],
            opts=opts,
        )
        return HubHandle(id=dxgw.id)

    def link(self, plan: StackPlan, link: LinkPlan, hub: HubHandle | None, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        connection: pulumi.Output[str] | str = link.connection_id
        if link.creates_circuit:
            # directconnect.Connection: dedicated speeds 1/10/100/400Gbps; skip_destroy keeps the port.
            conn = aws.directconnect.Connection(
                link.name,
                name=link.name,
                location=link.location,
                bandwidth=link.port,
                skip_destroy=True,
                tags=tags,
                opts=kept(plan, link.name, opts),
            )
            connection = conn.id
        elif link.ordered:
            # A hosted connection is the partner's; the account accepts it (directconnect.ConnectionConfirmation).
            confirmation = aws.directconnect.ConnectionConfirmation(
                link.name, connection_id=link.connection_id, opts=kept(plan, link.name, opts)
            )
            connection = confirmation.connection_id
        if not link.enabled or hub is None:
            return
        assert link.vlan_id is not None and link.peer_asn is not None  # link.state validator
        asn = {"bgp_asn": link.peer_asn} if link.peer_asn <= AWS_BGP_ASN_INT_MAX else {"bgp_asn_long": str(link.peer_asn)}
        aws.directconnect.PrivateVirtualInterface(
            f"{link.name}-vif",
            name=f"{link.name}-vif",
            connection_id=connection,
            dx_gateway_id=hub.id,
            vlan=link.vlan_id,
            address_family="ipv4",
            amazon_address=f"{link.cloud_address}/{link.prefix_length}",
            customer_address=f"{link.peer_address}/{link.prefix_length}",
            tags=tags,
            opts=opts,
            **asn,
        )

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None:
        aws.route53.Record(f"{host}-a", zone_id=zone_id, name=f"{host}.{domain}", type="A", ttl=60, records=[address], opts=opts)

    def node_registration(self, plan: StackPlan, pool: PoolStackPlan, opts: pulumi.ResourceOptions) -> Registration | None:
        # SSM hybrid activation: the code is returned only at creation and the activation expires
        # (ssm.Activation expiration_date; default 24 h). Its expiry comes from registration.rotated;
        # changing that date replaces the activation, which is the deliberate re-issue.
        reg = pool.registration
        role = aws.iam.Role(reg.name, assume_role_policy=_trust("ssm.amazonaws.com"), tags=pool.tags, opts=opts)
        aws.iam.RolePolicyAttachment(
            f"{reg.name}-ssm", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", opts=opts
        )
        activation = aws.ssm.Activation(
            f"{reg.name}-activation",
            name=reg.name,
            iam_role=role.name,
            registration_limit=reg.servers,
            expiration_date=reg.expires,
            description=f"node registration for pool {pool.pool.zone}/{pool.pool.name}, issued {reg.rotated}",
            tags=pool.tags,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(replacement_trigger=reg.rotated, additional_secret_outputs=["activationCode"])
            ),
        )
        return Registration(
            activation_id=pulumi.Output.secret(activation.id), activation_code=pulumi.Output.secret(activation.activation_code)
        )
