"""AWS (pulumi_aws): VPC, Route 53 private zone, KMS, S3, subnets, Direct Connect, SSM."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from backends import BucketHandle, NetworkHandle, Tags
from regionkit.planning.servers import PoolPlan
from regionkit.planning.stack import BucketPlan, LinkPlan, RulePlan, StackPlan


def _trust(service: str) -> str:
    """An IAM trust policy letting one AWS service assume the role."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _bandwidth(mbps: int) -> str:
    # Direct Connect dedicated port speeds.
    for limit, label in ((1000, "1Gbps"), (10000, "10Gbps"), (100000, "100Gbps")):
        if mbps <= limit:
            return label
    return "400Gbps"


class AwsBackend:
    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return aws.Provider(plan.region, region=plan.cloud_region, opts=opts)

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle:
        vpc = aws.ec2.Vpc(
            f"{plan.region}-vpc",
            cidr_block=plan.supernet,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**plan.tags, "Name": f"{plan.region}-vpc"},
            opts=opts,
        )
        vgw = aws.ec2.VpnGateway(f"{plan.region}-vgw", vpc_id=vpc.id, tags=plan.tags, opts=opts)
        dxgw = aws.directconnect.Gateway(f"{plan.region}-dxgw", name=f"{plan.region}-dxgw", amazon_side_asn="64512", opts=opts)
        aws.directconnect.GatewayAssociation(f"{plan.region}-dxgw-vgw", dx_gateway_id=dxgw.id, associated_gateway_id=vgw.id, opts=opts)
        return NetworkHandle(id=vpc.id, hub_id=dxgw.id)

    def dns_zone(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        zone = aws.route53.Zone(
            f"{plan.region}-dns",
            name=plan.dns_zone,
            vpcs=[aws.route53.ZoneVpcArgs(vpc_id=network.id)],
            tags=plan.tags,
            opts=opts,
        )
        return zone.zone_id

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        key = aws.kms.Key(
            f"{plan.region}-key",
            description=f"regionkit {plan.region}: buckets and evidence",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            multi_region=False,
            tags=plan.tags,
            opts=opts,
        )
        return key.arn

    def bucket(self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions) -> BucketHandle:
        b = aws.s3.Bucket(bucket.name, bucket=bucket.name, tags={**plan.tags, "regionkit:purpose": bucket.purpose}, opts=opts)
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
            opts=opts,
        )
        aws.s3.BucketVersioning(
            f"{bucket.name}-versioning",
            bucket=b.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=opts,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{bucket.name}-public",
            bucket=b.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=opts,
        )
        if bucket.replicate_to:
            role = aws.iam.Role(
                f"{bucket.name}-replication",
                assume_role_policy=_trust("s3.amazonaws.com"),
                tags=plan.tags,
                opts=opts,
            )
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
        return BucketHandle(name=b.bucket, endpoint=f"https://s3.{plan.cloud_region}.amazonaws.com")

    def prefix_list(self, name: str, cidrs: tuple[str, ...], tags: Tags, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        plist = aws.ec2.ManagedPrefixList(
            name,
            name=name,
            address_family="IPv4",
            max_entries=max(len(cidrs), 20),
            entries=[aws.ec2.ManagedPrefixListEntryArgs(cidr=c, description="zone management subnet") for c in cidrs],
            tags=tags,
            opts=opts,
        )
        return plist.id

    def subnet(
        self, name: str, network: NetworkHandle, cidr: str, cloud_zone: str, tags: Tags, opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        subnet = aws.ec2.Subnet(
            name,
            vpc_id=network.id,
            cidr_block=cidr,
            availability_zone=cloud_zone,
            map_public_ip_on_launch=False,
            tags={**tags, "Name": name},
            opts=opts,
        )
        return subnet.id

    def link(self, link: LinkPlan, network: NetworkHandle, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        conn = aws.directconnect.Connection(
            link.name,
            name=link.name,
            location=link.location,
            bandwidth=_bandwidth(link.bandwidth_mbps),
            tags=tags,
            opts=opts,
        )
        aws.directconnect.PrivateVirtualInterface(
            f"{link.name}-vif",
            name=f"{link.name}-vif",
            connection_id=conn.id,
            dx_gateway_id=network.hub_id,
            vlan=link.vlan_id,
            address_family="ipv4",
            bgp_asn=65000 + link.vlan_id,
            amazon_address=f"{link.cloud_address}/{link.prefix_length}",
            customer_address=f"{link.peer_address}/{link.prefix_length}",
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
        sg = aws.ec2.SecurityGroup(
            name,
            name=name,
            vpc_id=network.id,
            description=f"pool {name}: ssh from management, collectives within, metrics from monitoring",
            tags=tags,
            opts=opts,
        )
        for rule in rules:
            everything = rule.protocol == "all"
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{rule.name}",
                security_group_id=sg.id,
                ip_protocol="-1" if everything else rule.protocol,
                from_port=None if everything else rule.from_port,
                to_port=None if everything else rule.to_port,
                cidr_ipv4=rule.source_cidr,
                prefix_list_id=management_list if rule.source_prefix_list else None,
                referenced_security_group_id=None if rule.source_cidr or rule.source_prefix_list else sg.id,
                description=rule.description,
                tags=tags,
                opts=opts,
            )
        return sg.id

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None:
        aws.route53.Record(f"{host}-a", zone_id=zone_id, name=f"{host}.{domain}", type="A", ttl=60, records=[address], opts=opts)

    def node_registration(self, pool: PoolPlan, tags: Tags, opts: pulumi.ResourceOptions) -> None:
        # SSM hybrid activation: the pool's servers register as managed instances with this role.
        name = f"{pool.zone}-{pool.name}-nodes"
        role = aws.iam.Role(
            name,
            assume_role_policy=_trust("ssm.amazonaws.com"),
            tags=tags,
            opts=opts,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", opts=opts
        )
        aws.ssm.Activation(
            f"{name}-activation",
            name=f"{name}-activation",
            iam_role=role.name,
            registration_limit=len(pool.servers),
            tags=tags,
            opts=opts,
        )
