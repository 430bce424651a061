from __future__ import annotations

import pulumi

from backends import BucketHandle, CloudBackend
from regionkit.planning.stack import BucketPlan, StackPlan


class ArtifactMirror(pulumi.ComponentResource):
    """The region's artifact-mirror bucket: encrypted with the region's key, versioned, private,
    never replicated out of the jurisdiction."""

    handle: BucketHandle

    def __init__(
        self,
        name: str,
        plan: StackPlan,
        bucket: BucketPlan,
        key_id: pulumi.Output[str],
        backend: CloudBackend,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param plan: the region's stack plan.
        :param bucket: the mirror bucket's plan (name, replication targets).
        :param key_id: the region's own KMS key that encrypts the bucket.
        :param backend: the cloud seam that creates the bucket.
        """
        super().__init__("regionkit:mirror:ArtifactMirror", name, None, opts)
        self.handle = backend.bucket(plan, bucket, key_id, pulumi.ResourceOptions(parent=self))
        self.register_outputs({"bucket": self.handle.name, "endpoint": self.handle.endpoint})
