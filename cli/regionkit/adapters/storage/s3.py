"""boto3 against a region's S3-compatible artifact mirror (OSS, S3, Ceph; rclone in the lab)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.client import Config
from botocore.exceptions import BotoCoreError, ClientError

from regionkit.errors import RegionkitError


@dataclass(frozen=True)
class MirrorEndpoint:
    url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"  # signature region; S3-compatible servers accept any


def client(endpoint: MirrorEndpoint) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def put_object(endpoint: MirrorEndpoint, key: str, body: bytes) -> None:
    try:
        client(endpoint).put_object(Bucket=endpoint.bucket, Key=key, Body=body)
    except (BotoCoreError, ClientError) as exc:
        raise RegionkitError(f"mirror {endpoint.url}/{endpoint.bucket}: cannot put {key}: {exc}") from None


def get_object(endpoint: MirrorEndpoint, key: str) -> bytes:
    try:
        body: bytes = client(endpoint).get_object(Bucket=endpoint.bucket, Key=key)["Body"].read()
        return body
    except (BotoCoreError, ClientError) as exc:
        raise RegionkitError(f"mirror {endpoint.url}/{endpoint.bucket}: cannot get {key}: {exc}") from None


def presigned_url(endpoint: MirrorEndpoint, key: str, expires_s: int = 3600) -> str:
    url: str = client(endpoint).generate_presigned_url(
        "get_object", Params={"Bucket": endpoint.bucket, "Key": key}, ExpiresIn=expires_s
    )
    return url


def list_buckets(endpoint: MirrorEndpoint) -> list[str]:
    try:
        return [b["Name"] for b in client(endpoint).list_buckets().get("Buckets", [])]
    except (BotoCoreError, ClientError) as exc:
        raise RegionkitError(f"mirror {endpoint.url}: {exc}") from None
