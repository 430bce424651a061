"""Redaction: what every report, log excerpt and printed finding passes through before it is
written or shown. Removes the values of secret-named keys and assignments, private keys,
credentials and signatures in URLs (presigned S3/OSS links are bearer tokens), and every known
secret value the caller names. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from regionkit.planning.secrets import SECRET_WORDS, is_secret_name

REDACTED = "***"
MIN_SECRET_LEN = 8  # shorter values of secret-named variables ("true", "1") would blank out ordinary words

_ASSIGNMENT = re.compile(rf"(?i)(\b[\w.-]*(?:{SECRET_WORDS})[\w.-]*[\"']?\s*[:=]\s*[\"']?)([^\s\"',}}&]+)")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----", re.S)
# Query parameters that carry a signature or a credential: SigV4 and SigV2 presigned S3 URLs,
# OSS signed URLs (Signature, OSSAccessKeyId, security-token), Azure SAS (sig).
_URL_PARAM = re.compile(
    r"(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid|ossaccesskeyid"
    r"|x-oss-signature|x-oss-credential|x-oss-security-token|security-token|sig)=)([^&#\s\"']+)"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """`text` with known secret values, private keys, URL credentials and secret assignments replaced."""
    for value in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _PEM.sub(REDACTED, text)
    text = _URL_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    return _ASSIGNMENT.sub(lambda m: m.group(1) + REDACTED, text)


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """The values of secret-named variables (AWS_SECRET_ACCESS_KEY, PULUMI_CONFIG_PASSPHRASE,
    RK_..._BMC_PASSWORD, ...): what no report or terminal line may show."""
    return [v for k, v in environ.items() if is_secret_name(k) and len(v) >= MIN_SECRET_LEN]


def hide(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """`text` with every known secret value replaced (nothing else changed)."""
    for value in sorted(secrets, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def redact_all(value: Any, secrets: list[str] | tuple[str, ...] = ()) -> Any:
    """A JSON-like document with every string redacted and every secret-named key's value hidden."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_name(str(k)) and v not in (None, "") else redact_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v, secrets) for v in value]
    return value
