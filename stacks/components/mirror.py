from __future__ import annotations

import pulumi

from backends import BucketHandle, CloudBackend, NetworkHandle
from regionkit.planning.stack import BucketPlan, StackPlan


class ArtifactMirror(pulumi.ComponentResource):
    """The region's artifact-mirror bucket (encrypted with the region's key, versioned, private, never
    replicated out of the jurisdiction) and the private endpoint the colo reaches it through."""

    handle: BucketHandle
    endpoint: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        plan: StackPlan,
        bucket: BucketPlan,
        key_id: pulumi.Output[str],
        network: NetworkHandle,
        colo_list: pulumi.Output[str],
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param plan: the region's stack plan.
        :param bucket: the mirror bucket's plan (name, replication targets).
        :param key_id: the region's own KMS key that encrypts the bucket.
        :param network: the VPC the private endpoint lives in.
        :param colo_list: the prefix list of colo ranges allowed to reach the endpoint.
        :param backend: the cloud seam that creates the bucket and endpoint.
        """
        super().__init__("regionkit:mirror:ArtifactMirror", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.handle = backend.bucket(plan, bucket, key_id, child)
        self.endpoint = backend.mirror_endpoint(plan, network, colo_list, child)
        self.register_outputs({"bucket": self.handle.name, "endpoint": self.endpoint})
