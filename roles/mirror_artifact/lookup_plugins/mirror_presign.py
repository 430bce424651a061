"""Lookup: a presigned GET URL for an object of the region's S3-compatible mirror.

Runs on the controller with botocore and the standard AWS credential chain (environment,
profile, instance role), so nodes download without holding mirror credentials.

    lookup('mirror_presign', key, endpoint=..., bucket=..., expires=3600)

It signs with botocore's SigV4 query signer (path-style addressing, as an S3 client configured
with signature_version s3v4 does) instead of building a boto3 client: a client loads S3's whole
service model, about 0.1 s of CPU in each Ansible worker that runs the lookup, for one HMAC.
"""

from __future__ import annotations

from urllib.parse import quote

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
            from botocore.auth import S3SigV4QueryAuth
            from botocore.awsrequest import AWSRequest
            from botocore.session import get_session
        except ImportError as exc:
            raise AnsibleError("mirror_presign needs botocore (boto3) on the controller") from exc
        credentials = get_session().get_credentials()
        if credentials is None:
            raise AnsibleError("mirror_presign: no AWS credentials for the mirror; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        signer = S3SigV4QueryAuth(credentials, "s3", "us-east-1", expires=self.get_option("expires"))
        base = f"{self.get_option('endpoint').rstrip('/')}/{quote(self.get_option('bucket'), safe='')}"
        urls = []
        for key in terms:
            request = AWSRequest(method="GET", url=f"{base}/{quote(key, safe='/')}")
            signer.add_auth(request)
            urls.append(request.url)
        return urls
