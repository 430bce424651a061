"""What counts as a secret by its name: one pattern for redaction and for drift's secret properties. Pure."""

from __future__ import annotations

import re

# A name that says it holds a secret: password, token, api key, private key, activation code, ...
SECRET_WORDS = r"password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|passphrase|activation[_-]?code|credential"
SECRET_NAME = re.compile(rf"(?i)[\w.-]*(?:{SECRET_WORDS})[\w.-]*")


def is_secret_name(name: str) -> bool:
    """`activationCode`, `AWS_SECRET_ACCESS_KEY`, `db.password`: names whose values are never shown."""
    return SECRET_NAME.fullmatch(name) is not None
