"""The mirror_presign lookup signs as botocore does."""

from __future__ import annotations

import pytest

from ..conftest import REPO


@pytest.mark.parametrize("key", ["ascend/Ascend-cann-toolkit_8.1.RC1_linux-x86_64.run", "a dir/b c+d~e=f&g.deb", "ü/ß.run"])
def test_mirror_presign_signs_as_a_boto3_s3_client_does(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup signs with botocore's SigV4 query signer; the URL is byte for byte the one a
    path-style s3v4 boto3 client presigns at the same instant."""
    import datetime

    import boto3
    import botocore.auth
    from ansible.plugins.loader import lookup_loader
    from botocore.client import Config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.datetime(2026, 11, 24, 10, 0, 0))
    lookup_loader.add_directory(str(REPO / "roles/mirror_artifact/lookup_plugins"))
    endpoint, bucket = "http://198.18.0.1:9000", "regionkit-lab-artifacts"
    (ours,) = lookup_loader.get("mirror_presign").run([key], endpoint=endpoint, bucket=bucket, expires=900)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        region_name="us-east-1",
    )
    assert ours == client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)
