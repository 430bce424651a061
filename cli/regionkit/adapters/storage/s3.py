"""boto3 against a region's S3-compatible artifact mirror (OSS, S3, Ceph; rclone in the lab).

Credentials: the ones given (the lab's own keys), else botocore's standard chain (environment,
AWS_PROFILE and shared files, session tokens, instance roles). Requests and presigned URLs are
signed for the mirror's own region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regionkit.errors import BadInputError, RegionkitError

# boto3 is in the aws, alicloud and nodes extras: imported when the mirror is used, not at start-up.


@dataclass(frozen=True)
class MirrorEndpoint:
    url: str
    bucket: str
    region: str = "us-east-1"  # the credential scope requests and URLs are signed for
    credentials: dict[str, str] = field(default_factory=dict, repr=False)  # AWS_* names; {}: the standard chain


def client(endpoint: MirrorEndpoint) -> Any:
    import boto3
    from botocore.client import Config

    creds = endpoint.credentials
    session = boto3.session.Session(
        aws_access_key_id=creds.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=creds.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=creds.get("AWS_SESSION_TOKEN"),
    )
    if session.get_credentials() is None:
        raise BadInputError(
            f"mirror {endpoint.url}: no credentials; export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
            "(any source of the standard AWS credential chain)"
        )
    return session.client(
        "s3",
        endpoint_url=endpoint.url,
        region_name=endpoint.region or "us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _failed(endpoint: MirrorEndpoint, what: str, exc: Exception) -> RegionkitError:
    return RegionkitError(f"mirror {endpoint.url}/{endpoint.bucket}: cannot {what}: {exc}")


def put_object(endpoint: MirrorEndpoint, key: str, body: bytes) -> None:
    s3 = client(endpoint)
    try:
        s3.put_object(Bucket=endpoint.bucket, Key=key, Body=body)
    except _errors() as exc:
        raise _failed(endpoint, f"put {key}", exc) from None


def get_object(endpoint: MirrorEndpoint, key: str) -> bytes:
    s3 = client(endpoint)
    try:
        body: bytes = s3.get_object(Bucket=endpoint.bucket, Key=key)["Body"].read()
        return body
    except _errors() as exc:
        raise _failed(endpoint, f"get {key}", exc) from None


def presigned_url(endpoint: MirrorEndpoint, key: str, expires_s: int = 3600) -> str:
    url: str = client(endpoint).generate_presigned_url(
        "get_object", Params={"Bucket": endpoint.bucket, "Key": key}, ExpiresIn=expires_s
    )
    return url


def list_buckets(endpoint: MirrorEndpoint) -> list[str]:
    s3 = client(endpoint)
    try:
        return [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    except _errors() as exc:
        raise RegionkitError(f"mirror {endpoint.url}: {exc}") from None
