"""mirror_presign against botocore's own presigner: the URL is byte for byte the one a path-style
s3v4 boto3 client presigns at the same instant, for the mirror's own region."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible.errors import AnsibleError

from .conftest import PLUGINS

ENDPOINT, BUCKET = "http://198.18.0.1:9000", "regionkit-lab-artifacts"
KEYS = ["ascend/Ascend-cann-toolkit_8.1.RC1_linux-x86_64.run", "a dir/b c+d~e=f&g.deb", "ü/ß.run"]


@pytest.fixture
def lookup(monkeypatch: pytest.MonkeyPatch) -> Any:
    import botocore.auth
    from ansible.plugins.loader import lookup_loader

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.datetime(2026, 11, 24, 10, 0, 0))
    lookup_loader.add_directory(str(PLUGINS / "lookup"))
    return lookup_loader.get("mirror_presign")


def boto3_url(key: str, region: str) -> str:
    """What botocore's presigner gives for a GET of key (the S3 client the lookup stands in for)."""
    import boto3
    from botocore.client import Config

    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        region_name=region,
    )
    url: str = client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=900)
    return url


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "sa-east-1"])
@pytest.mark.parametrize("key", KEYS)
def test_presigned_url_is_botocores_for_the_mirrors_region(lookup: Any, key: str, region: str) -> None:
    (ours,) = lookup.run([key], endpoint=ENDPOINT, bucket=BUCKET, region=region, expires=900)
    assert ours == boto3_url(key, region)
    (scope,) = parse_qs(urlsplit(ours).query)["X-Amz-Credential"]
    assert scope.split("/")[2] == region


def test_region_comes_from_the_inventory_variable(lookup: Any) -> None:
    (ours,) = lookup.run([KEYS[0]], {"regionkit_mirror_region": "sa-east-1"}, endpoint=ENDPOINT, bucket=BUCKET, expires=900)
    assert ours == boto3_url(KEYS[0], "sa-east-1")


@pytest.mark.parametrize("variables", [{}, {"regionkit_mirror_region": ""}])
def test_no_region_signs_for_us_east_1(lookup: Any, variables: dict[str, str]) -> None:
    """The lab's S3 server has no region; an empty one (as the lab's outputs carry) is us-east-1."""
    (ours,) = lookup.run([KEYS[0]], variables, endpoint=ENDPOINT, bucket=BUCKET, expires=900)
    assert ours == boto3_url(KEYS[0], "us-east-1")


@pytest.mark.parametrize(("endpoint", "bucket"), [("", BUCKET), (ENDPOINT, "")])
def test_empty_mirror_is_refused_with_the_fix(lookup: Any, endpoint: str, bucket: str) -> None:
    with pytest.raises(AnsibleError, match="regionkit inventory REGION"):
        lookup.run([KEYS[0]], endpoint=endpoint, bucket=bucket)
