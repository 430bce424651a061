"""One Redfish session to one BMC over HTTPS, on urllib3.

- TLS: the certificate is pinned on first contact (its SHA-256 in a `PinStore`); afterwards urllib3
  checks the pin during the handshake (`assert_fingerprint`), before any credential is sent. A
  changed certificate is refused (`BmcTlsChanged`), never re-pinned.
- Retries: bounded, with exponential backoff, for transient faults only: connection refused or
  reset, timeouts, and 503 (honouring Retry-After). 401/403 and TLS failures are never retried.
- Auth: a Redfish session (POST SessionService/Sessions, X-Auth-Token, DELETE on close) or HTTP
  basic. Credentials travel only in request headers and bodies; error texts carry the URL path
  and the failure, never a header or a body, and are scrubbed of the password besides.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
import time
from types import TracebackType
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, SSLError
from urllib3.util.retry import Retry

from regionkit.adapters.redfish.pins import PinStore
from regionkit.adapters.redfish.secrets import Credentials, Secret

SERVICE_ROOT = "/redfish/v1/"


class BmcError(Exception):
    """A BMC could not be read; `kind` says how (the decision's failure kinds)."""

    kind = "protocol"


class BmcUnreachable(BmcError):
    kind = "unreachable"


class BmcAuthRefused(BmcError):
    kind = "auth_refused"


class BmcTlsChanged(BmcError):
    kind = "tls_changed"


def _retry(attempts: int, backoff_s: float) -> Retry:
    return Retry(
        total=attempts,
        connect=attempts,
        read=attempts,
        status=attempts,
        other=0,  # TLS and protocol errors are not transient
        status_forcelist=frozenset({503}),
        allowed_methods=frozenset({"GET", "DELETE", "PATCH"}),  # a session POST is not repeated blindly
        backoff_factor=backoff_s,
        backoff_max=5.0,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def fetch_fingerprint(host: str, port: int, timeout_s: float, attempts: int, backoff_s: float) -> str:
    """SHA-256 of the certificate the BMC presents now (first contact), with the same retries."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # first contact: nothing to verify against yet; the pin is what follows
    last: Exception | None = None
    for attempt in range(attempts + 1):
        try:
            with socket.create_connection((host, port), timeout=timeout_s) as raw, ctx.wrap_socket(raw) as tls:
                der = tls.getpeercert(binary_form=True)
            if not der:
                raise BmcError(f"{host}:{port} presented no certificate")
            return hashlib.sha256(der).hexdigest()
        except (ConnectionError, TimeoutError) as exc:
            last = exc
        except ssl.SSLError as exc:
            raise BmcError(f"TLS handshake failed: {exc.reason or exc}") from None
        except OSError as exc:
            last = exc
        time.sleep(min(backoff_s * (2**attempt), 5.0))
    raise BmcUnreachable(_describe(last))


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no answer"
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    for marker in ("Connection refused", "timed out", "Connection reset", "No route to host", "Network is unreachable"):
        if marker.lower() in text.lower():
            return marker.lower()
    return type(reason).__name__


class RedfishSession:
    """GET/PATCH/POST JSON on one BMC, logged in; use as a context manager."""

    def __init__(
        self,
        host: str,
        port: int,
        credentials: Credentials,
        pins: PinStore,
        *,
        auth: str = "session",
        timeout_s: float = 10.0,
        attempts: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        self.host, self.port = host, port
        self.endpoint = f"{host}:{port}"
        self._credentials = credentials
        self._auth = auth
        self._session_uri: str | None = None
        self._headers: dict[str, str] = {"Accept": "application/json", "OData-Version": "4.0"}
        self.first_contact = False
        pinned = pins.get(self.endpoint)
        if pinned is None:
            pinned = fetch_fingerprint(host, port, timeout_s, attempts, backoff_s)
            pins.pin(self.endpoint, pinned)
            self.first_contact = True
        self.fingerprint = pinned
        self._pool = urllib3.HTTPSConnectionPool(
            host,
            port,
            maxsize=1,
            block=True,
            cert_reqs="CERT_NONE",
            assert_hostname=False,
            assert_fingerprint=pinned,
            timeout=urllib3.Timeout(connect=min(timeout_s, 5.0), read=timeout_s),
            retries=_retry(attempts, backoff_s),
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        secret = self._credentials.password.value
        return text.replace(secret, "***") if secret else text

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        all_headers = dict(self._headers)
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        try:
            return self._pool.request(
                method,
                path,
                body=None if body is None else json.dumps(body).encode(),
                headers=all_headers,
                redirect=False,
            )
        except MaxRetryError as exc:
            if isinstance(exc.reason, SSLError):
                raise self._tls_error(exc.reason) from None
            raise BmcUnreachable(f"{method} {path}: {_describe(exc)}") from None
        except SSLError as exc:
            raise self._tls_error(exc) from None
        except HTTPError as exc:
            raise BmcUnreachable(f"{method} {path}: {_describe(exc)}") from None

    def _tls_error(self, exc: BaseException) -> BmcError:
        text = str(exc)
        if "ingerprint" in text:
            return BmcTlsChanged(f"certificate differs from the pin sha256:{self.fingerprint[:16]}...")
        return BmcError(f"TLS: {self._scrub(text)[:200]}")

    def _json(
        self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        resp = self._request(method, path, body, headers)
        if resp.status in (401, 403):
            raise BmcAuthRefused(f"HTTP {resp.status} on {method} {path}")
        if resp.status == 503:
            raise BmcUnreachable(f"HTTP 503 on {method} {path} after retries")
        if resp.status >= 400:
            raise BmcError(f"HTTP {resp.status} on {method} {path}")
        if resp.status == 204 or not resp.data:
            return {}
        try:
            data = json.loads(resp.data)
        except ValueError:
            raise BmcError(f"{method} {path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise BmcError(f"{method} {path}: the answer is not a JSON object")
        data["@regionkit.etag"] = resp.headers.get("ETag", "")
        return data

    # --- the session ------------------------------------------------------------------------

    def service_root(self) -> dict[str, Any]:
        """The service root, read without credentials (Redfish makes it public)."""
        return self._json("GET", SERVICE_ROOT)

    def login(self, root: dict[str, Any]) -> None:
        user, password = self._credentials.username, self._credentials.password.value
        if self._auth == "basic":
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
            return
        sessions = (root.get("Links") or {}).get("Sessions", {}).get("@odata.id", "/redfish/v1/SessionService/Sessions")
        resp = self._request("POST", sessions, {"UserName": user, "Password": password})
        if resp.status in (400, 401, 403):
            raise BmcAuthRefused(f"HTTP {resp.status} on session login")
        if resp.status not in (200, 201):
            raise BmcError(f"HTTP {resp.status} on session login")
        token = resp.headers.get("X-Auth-Token")
        if not token:
            raise BmcError("session login answered without X-Auth-Token")
        self._headers["X-Auth-Token"] = token
        self._session_uri = resp.headers.get("Location")

    def get(self, path: str) -> dict[str, Any]:
        return self._json("GET", path)

    def patch(self, path: str, body: dict[str, Any], etag: str = "") -> dict[str, Any]:
        return self._json("PATCH", path, body, {"If-Match": etag} if etag else None)

    def members(self, collection: dict[str, Any]) -> list[dict[str, Any]]:
        """Each member of a collection, read."""
        return [self.get(m["@odata.id"]) for m in collection.get("Members", []) if isinstance(m, dict) and "@odata.id" in m]

    def close(self) -> None:
        try:
            if self._session_uri:
                self._request("DELETE", self._session_uri)
        except BmcError:
            pass  # the session times out on the BMC; nothing else to do
        finally:
            self._headers.pop("X-Auth-Token", None)
            self._headers.pop("Authorization", None)
            self._pool.close()

    def with_password(self, password: Secret) -> Credentials:
        return Credentials(self._credentials.username, password)

    def __enter__(self) -> RedfishSession:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
