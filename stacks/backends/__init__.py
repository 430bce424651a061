"""The one seam per cloud. Components call these methods; each backend creates that cloud's
resources. Chosen by the region's declaration (cloud.backend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi

from regionkit.planning.servers import PoolPlan
from regionkit.planning.stack import BucketPlan, LinkPlan, RulePlan, StackPlan

Tags = dict[str, str]


@dataclass
class NetworkHandle:
    """The region's network: its id, and the hub dedicated links attach to (AWS: DX gateway)."""

    id: pulumi.Output[str]
    hub_id: pulumi.Output[str] | None = None


@dataclass
class BucketHandle:
    name: pulumi.Output[str]
    endpoint: str


class CloudBackend(Protocol):
    """What a cloud must provide to host a region."""

    def provider(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource: ...

    def network(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> NetworkHandle: ...

    def dns_zone(self, plan: StackPlan, network: NetworkHandle, opts: pulumi.ResourceOptions) -> pulumi.Output[str]: ...

    def kms_key(self, plan: StackPlan, opts: pulumi.ResourceOptions) -> pulumi.Output[str]: ...

    def bucket(
        self, plan: StackPlan, bucket: BucketPlan, key_id: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> BucketHandle: ...

    def prefix_list(self, name: str, cidrs: tuple[str, ...], tags: Tags, opts: pulumi.ResourceOptions) -> pulumi.Output[str]: ...

    def subnet(
        self, name: str, network: NetworkHandle, cidr: str, cloud_zone: str, tags: Tags, opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]: ...

    def link(self, link: LinkPlan, network: NetworkHandle, tags: Tags, opts: pulumi.ResourceOptions) -> None: ...

    def security_group(
        self,
        name: str,
        network: NetworkHandle,
        rules: tuple[RulePlan, ...],
        management_list: pulumi.Output[str],
        tags: Tags,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.Output[str]: ...

    def dns_record(self, zone_id: pulumi.Output[str], domain: str, host: str, address: str, opts: pulumi.ResourceOptions) -> None: ...

    def node_registration(self, pool: PoolPlan, tags: Tags, opts: pulumi.ResourceOptions) -> None: ...


def backend_for(plan: StackPlan) -> CloudBackend:
    """The backend the region declares."""
    if plan.backend == "alicloud":
        from backends.alicloud import AlicloudBackend

        return AlicloudBackend()
    if plan.backend == "aws":
        from backends.aws import AwsBackend

        return AwsBackend()
    raise ValueError(f"region {plan.region}: cloud.backend {plan.backend!r} has no stack (the lab has no cloud)")
