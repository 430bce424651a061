"""Presigned artifact URLs carry the mirror's own region in their credential scope, through
botocore's signer and credential chain, shown against a server that checks the scope
(sigv4_server.py): the URLs `mirror sync` and the adapters make, and the collection's
mirror_presign lookup the vendor roles download through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..conftest import REPO
from .sigv4_server import Bucket, serve

BUCKET, KEY, BODY = "regionkit-br-sao-1-artifacts", "artifacts/ppu-sdk/1.6.2/PPU_SDK_1.6.2_linux_x86_64.run", b"stand-in"


def fetch(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Bucket]]:
    """A mirror in sa-east-1 that checks the credential scope; the controller's keys come through
    botocore's standard chain (the environment here)."""
    bucket = Bucket("sa-east-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {KEY: BODY})
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", bucket.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bucket.secret_key)
    with serve(bucket) as url:
        yield url, bucket


def test_the_scope_checking_server_refuses_a_wrong_region_and_a_wrong_signature(mirror: tuple[str, Bucket]) -> None:
    """The checker is live: the URL main signed (us-east-1) is refused as S3 refuses it, and so is a
    URL whose signature is not the key's."""
    from regionkit.adapters.storage.s3 import MirrorEndpoint, presigned_url

    url, bucket = mirror
    old = presigned_url(MirrorEndpoint(url, BUCKET, "us-east-1"), KEY)
    status, body = fetch(old)
    assert status == 400 and b"the region 'us-east-1' is wrong; expecting 'sa-east-1'" in body
    good = presigned_url(MirrorEndpoint(url, BUCKET, "sa-east-1"), KEY)
    tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert fetch(tampered)[0] == 403 and bucket.refusals[-1] == "SignatureDoesNotMatch"
    assert fetch(good.replace("PPU_SDK", "PPU_SDX"))[0] == 403  # the signature covers the key


def test_mirror_sync_and_verify_urls_carry_the_mirrors_region(mirror: tuple[str, Bucket]) -> None:
    from regionkit.adapters.storage.s3 import MirrorEndpoint, presigned_url

    url, _ = mirror
    assert fetch(presigned_url(MirrorEndpoint(url, BUCKET, "sa-east-1"), KEY)) == (200, BODY)


def test_the_roles_lookup_signs_for_the_inventorys_mirror_region(mirror: tuple[str, Bucket]) -> None:
    """The lookup the vendor roles download through reads regionkit_mirror_region, as the inventory
    renders it from the stack's outputs (mirror.region)."""
    from ansible.plugins.loader import lookup_loader

    url, bucket = mirror
    lookup_loader.add_directory(str(REPO / "plugins" / "lookup"))
    lookup = lookup_loader.get("mirror_presign")
    (signed,) = lookup.run([KEY], variables={"regionkit_mirror_region": "sa-east-1"}, endpoint=url, bucket=BUCKET)
    assert "%2Fsa-east-1%2Fs3%2Faws4_request" in signed and fetch(signed) == (200, BODY)
    (unscoped,) = lookup.run([KEY], variables={}, endpoint=url, bucket=BUCKET)  # no region: us-east-1, refused
    assert fetch(unscoped)[0] == 400 and bucket.refusals[-1] == "AuthorizationQueryParametersError"
