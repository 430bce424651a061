"""BMC credentials: read from where the catalog says (an environment variable or a private file),
held in objects that never print the secret (repr, str, logs, exceptions)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regionkit.catalog import files
from regionkit.catalog.model import BmcCredentialsSpec, SecretRefSpec
from regionkit.errors import BadInputError

SECRET_FILE_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Secret:
    """A secret value that shows as *** wherever it is printed."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret(***)"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: Secret


def read_secret(ref: SecretRefSpec, root: Path, environ: Mapping[str, str] | None = None, what: str = "BMC password") -> Secret:
    """The secret a catalog reference points at; BadInputError (one line, no value) when it is not there."""
    env = os.environ if environ is None else environ
    if ref.env is not None:
        value = env.get(ref.env, "")
        if not value:
            raise BadInputError(f"{what}: ${ref.env} is not set (or empty); export it before running handover")
        return Secret(value)
    assert ref.file is not None
    path = Path(ref.file).expanduser()
    path = path if path.is_absolute() else root / path
    try:
        info = path.stat()
    except OSError as exc:
        raise BadInputError(f"{what}: {path}: {exc.strerror}; create it (mode 0600) or point the catalog elsewhere") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(f"{what}: {path} is not a regular file")
    if info.st_mode & 0o077:
        raise BadInputError(
            f"{what}: {path} is readable by others (mode {stat.S_IMODE(info.st_mode):04o}); chmod 600 it, as ssh asks of keys"
        )
    lines = files.read_text(path, f"{what}: {path}", limit=SECRET_FILE_LIMIT).splitlines()
    if not lines or not lines[0]:
        raise BadInputError(f"{what}: {path} is empty; write the password on its first line")
    return Secret(lines[0])


def read_credentials(spec: BmcCredentialsSpec, root: Path, environ: Mapping[str, str] | None = None) -> Credentials:
    return Credentials(spec.username, read_secret(spec.password, root, environ))
