"""Lookup: a presigned GET URL for an object of the region's S3-compatible mirror.

Runs on the controller with boto3 and the standard AWS credential chain (environment, profile,
instance role), so nodes download without holding mirror credentials.

    lookup('mirror_presign', key, endpoint=..., bucket=..., expires=3600)
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = """
name: mirror_presign
short_description: presigned GET URL for an object of an S3-compatible mirror
options:
  _terms: {description: object keys, required: true}
  endpoint: {description: S3 endpoint URL, required: true, type: str}
  bucket: {description: bucket name, required: true, type: str}
  expires: {description: seconds the URL is valid, type: int, default: 3600}
"""


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):  # type: ignore[no-untyped-def]
        self.set_options(var_options=variables, direct=kwargs)
        try:
            import boto3
            from botocore.client import Config
        except ImportError as exc:
            raise AnsibleError("mirror_presign needs boto3 on the controller") from exc
        client = boto3.client(
            "s3",
            endpoint_url=self.get_option("endpoint"),
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
            region_name="us-east-1",
        )
        return [
            client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.get_option("bucket"), "Key": key},
                ExpiresIn=self.get_option("expires"),
            )
            for key in terms
        ]
