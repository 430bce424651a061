"""ECS CreateActivation: the Cloud Assistant activation codes that register a pool's servers as
Alibaba Cloud managed instances.

pulumi_alicloud's ecs.Activation returns no code, so the stack outputs only the request
(`planning.stack.activation_request`, API parameter names); bootstrap sends it here just before
the nodes register. The code is returned once, in the response: it goes back to the caller only,
never to a file or a log.

Alibaba's own SDK (alibabacloud_ecs20140526) signs and sends the request. Credentials come from
Alibaba's standard environment variables: ALIBABA_CLOUD_ACCESS_KEY_ID,
ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for temporary (STS) credentials, ALIBABA_CLOUD_SECURITY_TOKEN.
The endpoint is the region's, `ecs.<region>.aliyuncs.com` over HTTPS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regionkit.errors import BadInputError, RegionkitError

KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Activation:
    """One activation: its id and its code (the code is a secret: never shown, never stored)."""

    request: Mapping[str, Any]
    activation_id: str
    code: str = field(repr=False)


@dataclass(frozen=True)
class ApiEndpoint:
    """Where the requests go: the region's ECS endpoint unless given (tests: a local server)."""

    host: str | None = None  # host[:port]; None: ecs.<RegionId>.aliyuncs.com
    protocol: str = "https"


def credentials(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The access key (and STS token) from Alibaba's standard environment variables."""
    env = os.environ if env is None else env
    missing = [k for k in (KEY_ID, KEY_SECRET) if not env.get(k)]
    if missing:
        raise BadInputError(
            f"{' and '.join(missing)} not set: the Cloud Assistant activation codes are created at bootstrap "
            "with ECS CreateActivation; export an access key allowed ecs:CreateActivation"
        )
    found = {"access_key_id": env[KEY_ID], "access_key_secret": env[KEY_SECRET]}
    if env.get(TOKEN):
        found["security_token"] = env[TOKEN]
    return found


def create_activations(
    requests: Sequence[Mapping[str, Any]], endpoint: ApiEndpoint | None = None, env: Mapping[str, str] | None = None
) -> list[Activation]:
    """Send each CreateActivation request (API parameter names, as the stack outputs carry them)
    and return the activations, in order. One bad answer stops the rest: RegionkitError, one line."""
    from alibabacloud_ecs20140526 import models
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi import models as openapi

    endpoint = endpoint or ApiEndpoint()
    keys = credentials(env)
    clients: dict[str, Any] = {}
    made: list[Activation] = []
    for raw in requests:
        request = _request(models.CreateActivationRequest, raw)
        region = str(request.region_id)
        if region not in clients:
            config = openapi.Config(
                **keys,
                region_id=region,
                endpoint=endpoint.host or f"ecs.{region}.aliyuncs.com",
                protocol=endpoint.protocol,
                connect_timeout=TIMEOUT_MS,
                read_timeout=TIMEOUT_MS,
            )
            clients[region] = Client(config)
        name = raw.get("InstanceName", "")
        try:
            body = clients[region].create_activation(request).body
        except Exception as exc:  # the SDK raises its own and the transport's exceptions
            raise RegionkitError(f"ECS CreateActivation {name} in {region} failed: {_reason(exc)}") from None
        if body is None or not body.activation_id or not body.activation_code:
            raise RegionkitError(f"ECS CreateActivation {name} in {region}: the response has no ActivationId/ActivationCode")
        made.append(Activation(raw, str(body.activation_id), str(body.activation_code)))
    return made


def _request(kind: Any, raw: Mapping[str, Any]) -> Any:
    """The SDK's request from API parameter names; a name the SDK does not know is an error, not dropped."""
    request = kind().from_map(dict(raw))
    known = set(request.to_map())
    unknown = sorted(set(raw) - known)
    if unknown or not raw.get("RegionId"):
        what = f"unknown parameter(s) {', '.join(unknown)}" if unknown else "no RegionId"
        raise BadInputError(f"CreateActivation request {raw.get('InstanceName', '')}: {what}; re-read the stack outputs")
    return request


def _reason(exc: Exception) -> str:
    """One line from the SDK's exception: the API's error code and message where it has them."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    first = str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
    return f"{code}: {first}" if code and str(code) not in first else first
