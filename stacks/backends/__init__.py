"""The one seam per cloud. Components call these methods; each backend creates that cloud's
resources. Chosen by the region's declaration (cloud.backend)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from regionkit.planning.stack import BucketPlan, LinkPlan, PoolStackPlan, StackPlan

Tags = dict[str, str]


@dataclass
class NetworkHandle:
    """The region's VPC: its id, its own subnets per cloud zone, and the route table they use."""

    id: pulumi.Output[str]
    subnets: dict[str, pulumi.Output[str]]  # cloud zone -> subnet / vSwitch id
    route_table_id: pulumi.Output[str]


@dataclass
class HubHandle:
    """What enabled links attach to: the DX gateway (aws) or the CEN transit router (alicloud)."""

    id: pulumi.Output[str]
    cen_id: pulumi.Output[str] | None = None
    route_table_id: pulumi.Output[str] | None = None


@dataclass
class BucketHandle:
    name: pulumi.Output[str]


@dataclass
class Registration:
    """A pool's activation, where the stack creates one (aws); both values are Pulumi secrets."""

    activation_id: pulumi.Output[str]
    activation_code: pulumi.Output[str]


@dataclass
class DnsHandle:
    zone_id: pulumi.Output[str]
    depends: list[pulumi.Resource] = field(default_factory=list)


def kept(plan: StackPlan, name: str, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """Options for a resource `destroy` must leave alone (the plan's kept list): protected, so the
    engine refuses to delete or replace it, and retained on delete, so even an unprotected delete
    only forgets it."""
    if name not in {k.name for k in plan.kept_on_destroy()}:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))


class CloudBackend(Protocol):
    """What a cloud must provide to host a region."""

    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource: ...

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle: ...

    def colo_prefix_list(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]: ...

    def dns_zone(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> DnsHandle: ...

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]: ...

    def bucket(
        self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> BucketHandle: ...

    def mirror_endpoint(
        self, plan: StackPlan, network: NetworkHandle, colo_list: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]: ...

    def hub(self, plan: StackPlan, network: NetworkHandle, dns: DnsHandle, opts: pulumi.ResourceOptions) -> HubHandle: ...

    def link(self, plan: StackPlan, link: LinkPlan, hub: HubHandle | None, tags: Tags, opts: pulumi.ResourceOptions) -> None: ...

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None: ...

    def node_registration(self, plan: StackPlan, pool: PoolStackPlan, opts: pulumi.ResourceOptions) -> Registration | None: ...


def backend_for(plan: StackPlan) -> CloudBackend:
    """The backend the region declares."""
    if plan.backend == "alicloud":
        from backends.alicloud import AlicloudBackend

        return AlicloudBackend()
    if plan.backend == "aws":
        from backends.aws import AwsBackend

        return AwsBackend()
    raise ValueError(f"region {plan.region}: cloud.backend {plan.backend!r} has no stack (the lab has no cloud)")
