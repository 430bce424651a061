"""An S3 stand-in on loopback that checks presigned GET URLs as AWS documents Signature Version 4
query authentication, credential scope included.

No S3-compatible server installable here checks the scope's region: rclone's `serve s3` accepts
any region (measured: a URL signed for sa-east-1, eu-central-1 or us-east-1 is served alike),
moto takes the region from the request's own credential scope, and s3rver does the same. So the
check is built here from AWS's documents, independently of botocore (hashlib and hmac only):
- "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)" (Amazon S3 API
  reference): the X-Amz-* parameters, UNSIGNED-PAYLOAD, X-Amz-Expires;
- "Create a signed AWS API request" (IAM user guide): the canonical request, the string to sign
  and the HMAC chain of the signing key;
- "Troubleshoot Signature Version 4" / S3's AuthorizationQueryParametersError: a credential scope
  whose region is not the bucket's is refused ("the region 'us-east-1' is wrong; expecting ...").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, unquote

from .loopback import loopback

ALGORITHM = "AWS4-HMAC-SHA256"


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


@dataclass
class Bucket:
    region: str
    access_key: str
    secret_key: str
    objects: dict[str, bytes] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    def check(self, method: str, raw_path: str, host: str) -> tuple[int, str, bytes]:
        """(status, S3 error code or "", body) for one presigned request."""
        path, _, raw_query = raw_path.partition("?")
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        q = dict(pairs)
        needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature")
        if any(k not in q for k in needed) or q["X-Amz-Algorithm"] != ALGORITHM:
            return 403, "AccessDenied", b""
        parts = q["X-Amz-Credential"].split("/")
        if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
            return 400, "AuthorizationQueryParametersError", b"malformed X-Amz-Credential"
        key_id, day, region = parts[:3]
        if region != self.region:
            msg = f"Error parsing the X-Amz-Credential parameter; the region '{region}' is wrong; expecting '{self.region}'"
            return 400, "AuthorizationQueryParametersError", msg.encode()
        if key_id != self.access_key:
            return 403, "InvalidAccessKeyId", b""
        stamp = dt.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        if stamp.strftime("%Y%m%d") != day:
            return 400, "AuthorizationQueryParametersError", b"credential date is not X-Amz-Date's"
        if dt.datetime.now(dt.UTC) > stamp + dt.timedelta(seconds=int(q["X-Amz-Expires"])):
            return 403, "AccessDenied", b"Request has expired"
        canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(pairs) if k != "X-Amz-Signature")
        signed = q["X-Amz-SignedHeaders"].split(";")
        headers = {"host": host}
        canonical_headers = "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
        canonical = "\n".join(
            [method, quote(unquote(path), safe="/-_.~"), canonical_query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"]
        )
        scope = f"{day}/{region}/s3/aws4_request"
        to_sign = "\n".join([ALGORITHM, q["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = _hmac(_hmac(_hmac(_hmac(("AWS4" + self.secret_key).encode(), day), region), "s3"), "aws4_request")
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), q["X-Amz-Signature"]):
            return 403, "SignatureDoesNotMatch", b""
        bucket_and_key = unquote(path).lstrip("/").split("/", 1)
        body = self.objects.get(bucket_and_key[1]) if len(bucket_and_key) == 2 else None
        return (200, "", body) if body is not None else (404, "NoSuchKey", b"")


@contextmanager
def serve(bucket: Bucket) -> Iterator[str]:
    """The endpoint URL of a server for `bucket` on 127.0.0.1; stopped on exit."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, code, body = bucket.check("GET", self.path, self.headers.get("Host", ""))
            if code:
                bucket.refusals.append(code)
                body = f"<Error><Code>{code}</Code><Message>{body.decode()}</Message></Error>".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with loopback(Handler) as port:
        yield f"http://127.0.0.1:{port}"
