"""ECS CreateActivation sent by Alibaba's own SDK to a stand-in on loopback that checks the request
as Alibaba documents it, independently of the SDK (hashlib and hmac only):

- "CreateActivation" (ECS API reference, 2014-05-26): the operation, its parameters (RegionId,
  InstanceName, InstanceCount, TimeToLiveInHours, IpAddressRange, Description) and the response
  (RequestId, ActivationId, ActivationCode);
- "Request syntax and signature method V3" (Alibaba Cloud SDK reference): x-acs-action and
  x-acs-version headers, the canonical request, x-acs-content-sha256, and the Authorization header
  `ACS3-HMAC-SHA256 Credential=<key id>,SignedHeaders=...,Signature=hex(HMAC-SHA256(secret, string to sign))`;
- the error body of the common error codes (Code, Message, RequestId), e.g. InvalidAccessKeyId.NotFound.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest

from regionkit.adapters.alicloud.activation import ApiEndpoint, create_activations
from regionkit.catalog.load import load_catalog
from regionkit.errors import BadInputError, RegionkitError
from regionkit.planning.stack import activation_request, plan_stack

from ..conftest import REPO
from .loopback import loopback

pytest.importorskip("alibabacloud_ecs20140526", reason="the alicloud extra is not installed")

KEY_ID, SECRET = "LTAI-test-key", "test-secret"
ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET}
# As planning.stack.activation_request writes it (API parameter names).
REQUEST = {
    "RegionId": "eu-central-1",
    "InstanceName": "fra-a-gpu",
    "InstanceCount": 8,
    "TimeToLiveInHours": 24,
    "IpAddressRange": "10.20.0.0/24",
    "Description": "regionkit de-fra-1 pool fra-a/gpu",
}
DOCUMENTED = {"RegionId", "InstanceName", "InstanceCount", "TimeToLiveInHours", "IpAddressRange", "Description"}


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def _v3_signature(method: str, raw_path: str, headers: dict[str, str], body: bytes, secret: str, signed: list[str]) -> str:
    path, _, raw_query = raw_path.partition("?")
    query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(parse_qsl(raw_query, keep_blank_values=True)))
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    canonical_headers = "".join(f"{h}:{lower[h]}\n" for h in signed)
    payload = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, path or "/", query, canonical_headers, ";".join(signed), payload])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Ecs:
    """ECS's CreateActivation on loopback: checks each request, answers as the API reference shows."""

    secret: str = SECRET
    status: int = 200
    seen: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        lower = {k.lower(): v for k, v in headers.items()}
        params = dict(parse_qsl(raw_path.partition("?")[2], keep_blank_values=True))
        if body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        self.seen.append({"method": method, "params": params, "headers": lower})
        if lower.get("x-acs-action") != "CreateActivation" or lower.get("x-acs-version") != "2014-05-26":
            return 400, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found."}
        auth = lower.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return 400, {"Code": "MissingParameter.Signature", "Message": "no V3 Authorization header"}
        fields = dict(part.split("=", 1) for part in auth.removeprefix("ACS3-HMAC-SHA256 ").split(","))
        signed = fields["SignedHeaders"].split(";")
        if fields["Credential"] != KEY_ID:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
        if lower.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest() or not {"host", "x-acs-date"} <= set(signed):
            return 400, {"Code": "IncompleteSignature", "Message": "The request signature does not conform to Aliyun standards."}
        if fields["Signature"] != _v3_signature(method, raw_path, headers, body, self.secret, signed):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation."}
        if self.status != 200:
            return self.status, {"Code": "Throttling", "Message": "Request was denied due to request throttling."}
        n = len(self.seen)
        return 200, {
            "RequestId": f"req-{n}",
            "ActivationId": f"4ECEEE12-56F1-4FBC-9AB1-890F7494{n:04d}",
            "ActivationCode": f"a-hz0ch3SwhOlE1234+Xo32lAZC{n}",
        }


@contextmanager
def ecs(api: Ecs) -> Iterator[ApiEndpoint]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the SDK sends RPC-style operations as POST
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, doc = api.answer("POST", self.path, dict(self.headers), body)
            data = json.dumps({"RequestId": "req-err", **doc}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    with loopback(Handler) as port:
        yield ApiEndpoint(f"127.0.0.1:{port}", "http")


def test_the_request_reaches_ecs_as_documented_and_the_activation_comes_back() -> None:
    api = Ecs()
    second = {**REQUEST, "InstanceName": "fra-a-gpu-2", "InstanceCount": 3}
    with ecs(api) as endpoint:
        made = create_activations([REQUEST, second], endpoint, ENV)
    assert [m.activation_id for m in made] == ["4ECEEE12-56F1-4FBC-9AB1-890F74940001", "4ECEEE12-56F1-4FBC-9AB1-890F74940002"]
    assert made[0].code == "a-hz0ch3SwhOlE1234+Xo32lAZC1"
    assert "a-hz0ch3" not in repr(made)  # the code never shows in a repr (logs, tracebacks)
    first = api.seen[0]["params"]
    assert set(first) == DOCUMENTED  # every parameter by the API's own name, nothing the API does not take
    assert first == {k: str(v) for k, v in REQUEST.items()}
    assert api.seen[1]["params"]["InstanceCount"] == "3"


def test_an_sts_token_is_sent_with_the_key() -> None:
    api = Ecs()
    with ecs(api) as endpoint:
        create_activations([REQUEST], endpoint, {**ENV, "ALIBABA_CLOUD_SECURITY_TOKEN": "sts-token"})
    assert api.seen[0]["headers"].get("x-acs-security-token") == "sts-token"


def test_a_wrong_secret_fails_with_one_line_naming_the_api_error() -> None:
    api = Ecs(secret="the-real-secret")
    with ecs(api) as endpoint, pytest.raises(RegionkitError) as err:
        create_activations([REQUEST], endpoint, ENV)
    text = str(err.value)
    assert "\n" not in text and "SignatureDoesNotMatch" in text and "fra-a-gpu" in text and "eu-central-1" in text
    assert SECRET not in text


def test_an_unknown_key_and_an_http_error_are_one_line_each() -> None:
    with ecs(Ecs()) as endpoint, pytest.raises(RegionkitError) as err:
        create_activations([REQUEST], endpoint, {**ENV, "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-other"})
    assert "\n" not in str(err.value) and "InvalidAccessKeyId.NotFound" in str(err.value)
    with ecs(Ecs(status=503)) as endpoint, pytest.raises(RegionkitError) as err:
        create_activations([REQUEST], endpoint, ENV)
    assert "\n" not in str(err.value) and "Throttling" in str(err.value)


def test_missing_credentials_and_unknown_parameters_are_bad_input_before_any_request() -> None:
    api = Ecs()
    with ecs(api) as endpoint:
        with pytest.raises(BadInputError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET not set"):
            create_activations([REQUEST], endpoint, {"ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID})
        with pytest.raises(BadInputError, match=r"unknown parameter.*InstanceCnt"):
            create_activations([{**REQUEST, "InstanceCnt": 2}], endpoint, ENV)
    assert api.seen == []


def test_nothing_listening_is_one_line() -> None:
    with ecs(Ecs()) as endpoint:
        pass  # the server is gone: its port refuses
    with pytest.raises(RegionkitError) as err:
        create_activations([REQUEST], endpoint, ENV)
    assert "\n" not in str(err.value) and "CreateActivation fra-a-gpu in eu-central-1 failed" in str(err.value)


def _documented_range(text: str, field: str) -> tuple[int, int]:
    """`Valid values: A to B` from the comment above `self.<field> =` in the SDK's request class."""
    before = text.split(f"self.{field} =", 1)[0].rsplit("self.", 1)[1]
    found = re.search(r"Valid values: (\d+) to (\d+)", before)
    assert found, f"the SDK no longer documents a range for {field}"
    return int(found[1]), int(found[2])


def test_every_planned_request_is_one_the_api_takes() -> None:
    """The stack outputs' requests (every alicloud region of the shipped catalog) within the ranges the
    installed SDK documents for CreateActivation; the parameter names are the SDK's own."""
    from alibabacloud_ecs20140526.models import CreateActivationRequest

    text = inspect.getsource(CreateActivationRequest.__init__)
    ttl = _documented_range(text, "time_to_live_in_hours")
    count = _documented_range(text, "instance_count")
    catalog = load_catalog(REPO)
    checked = 0
    for key in catalog.regions:
        region = catalog.region(key)
        if region.cloud.backend != "alicloud":
            continue
        plan = plan_stack(catalog, region)
        for zone in plan.zones:
            for pool in zone.pools:
                for request in activation_request(plan, pool):
                    sdk = CreateActivationRequest().from_map(dict(request))
                    assert set(request) <= set(sdk.to_map()), request  # every name one the SDK sends
                    assert ttl[0] <= int(request["TimeToLiveInHours"]) <= ttl[1], (key, request)
                    assert count[0] <= int(request["InstanceCount"]) <= count[1], (key, request)
                    assert 2 <= len(str(request["InstanceName"])) <= 50 and 1 <= len(str(request["Description"])) <= 100
                    checked += 1
    assert checked > 0
