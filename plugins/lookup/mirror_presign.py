# Copyright: regionkit contributors
# Apache-2.0 (see galaxy.yml)
"""Lookup: a presigned GET URL for an object of the region's S3-compatible mirror.

Runs on the controller with botocore and the standard AWS credential chain (environment,
profile, instance role), so nodes download without holding mirror credentials.

    lookup('regionkit.accelerators.mirror_presign', key, endpoint=..., bucket=..., region=..., expires=3600)

It signs with botocore's SigV4 query signer (path-style addressing, as an S3 client configured
with signature_version s3v4 does) instead of building a boto3 client: a client loads S3's whole
service model, about 0.1 s of CPU in each Ansible worker that runs the lookup, for one HMAC.
The credential scope carries the mirror's own region: S3 refuses a URL signed for another one.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
name: mirror_presign
author: regionkit
short_description: Presigned GET URL for an object of an S3-compatible mirror
description:
  - Signs a GET URL for each object key with botocore's SigV4 query signer (path-style
    addressing), using the standard AWS credential chain of the controller.
  - Nodes download with the URL and never hold mirror credentials.
options:
  _terms:
    description: Object keys in the bucket.
    required: true
    type: list
    elements: str
  endpoint:
    description: S3 endpoint URL of the mirror.
    required: true
    type: str
  bucket:
    description: Bucket name.
    required: true
    type: str
  region:
    description:
      - The mirror's own region, the credential scope the URL is signed for.
      - An empty value is taken as C(us-east-1), the scope S3-compatible servers without
        regions accept.
    type: str
    default: us-east-1
    vars:
      - name: regionkit_mirror_region
  expires:
    description: Seconds the URL stays valid.
    type: int
    default: 3600
"""

EXAMPLES = r"""
- name: Download an artifact the controller signed for
  ansible.builtin.get_url:
    url: "{{ lookup('regionkit.accelerators.mirror_presign', 'artifacts/ppu-sdk/1.6.2/PPU_SDK_1.6.2_linux_x86_64.run',
              endpoint=regionkit_mirror_endpoint, bucket=regionkit_mirror_bucket, region=regionkit_mirror_region) }}"
    dest: /var/cache/regionkit/PPU_SDK_1.6.2_linux_x86_64.run
    mode: "0644"
"""

RETURN = r"""
_raw:
  description: One presigned URL per key, in order.
  type: list
  elements: str
"""

DEFAULT_REGION = "us-east-1"


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):  # type: ignore[no-untyped-def]
        self.set_options(var_options=variables, direct=kwargs)
        endpoint, bucket = self.get_option("endpoint") or "", self.get_option("bucket") or ""
        if not endpoint or not bucket:
            raise AnsibleError(
                "mirror_presign: the mirror's endpoint or bucket is empty; the inventory names them "
                "(regionkit_mirror_endpoint, regionkit_mirror_bucket): render it with `regionkit inventory REGION`"
            )
        try:
            from botocore.auth import S3SigV4QueryAuth
            from botocore.awsrequest import AWSRequest
            from botocore.session import get_session
        except ImportError as exc:
            raise AnsibleError("mirror_presign needs botocore (boto3) on the controller") from exc
        credentials = get_session().get_credentials()
        if credentials is None:
            raise AnsibleError("mirror_presign: no AWS credentials for the mirror; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        region = self.get_option("region") or DEFAULT_REGION
        signer = S3SigV4QueryAuth(credentials, "s3", region, expires=self.get_option("expires"))
        base = f"{endpoint.rstrip('/')}/{quote(bucket, safe='')}"
        urls = []
        for key in terms:
            request = AWSRequest(method="GET", url=f"{base}/{quote(key, safe='/')}")
            signer.add_auth(request)
            urls.append(request.url)
        return urls
