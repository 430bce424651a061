"""The committed stack files (stacks/Pulumi.<region>.yaml): what they say about a stack's secrets,
read without the Pulumi SDK (a base install lists regions and whether each stack was created)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regionkit.catalog import files
from regionkit.content import content_root
from regionkit.errors import BadInputError


def project_dir(root: Path) -> Path:
    """The Pulumi project: the site's own stacks/ beside its inventories/ (the stack files, with their
    committed salts, are the operator's); else the content root's."""
    site = root / "stacks"
    if (site / "Pulumi.yaml").is_file():
        return site
    return content_root().stacks


PASSPHRASE = "passphrase"


@dataclass(frozen=True)
class StackFile:
    """What stacks/Pulumi.<region>.yaml says about the stack's secrets."""

    path: Path
    secrets_provider: str
    encryption_salt: str
    encrypted_key: str

    @property
    def provider(self) -> str:
        """The declared provider; a stack file that names none uses passphrase on a file or S3 backend."""
        return self.secrets_provider or PASSPHRASE

    @property
    def committed(self) -> bool:
        """The secrets material is in the file: the salt (passphrase) or the encrypted data key (cloud KMS)."""
        return bool(self.encryption_salt) if self.provider == PASSPHRASE else bool(self.encrypted_key)

    @property
    def material(self) -> str:
        return "encryptionsalt" if self.provider == PASSPHRASE else "encryptedkey"


def read_stack_file(stacks_dir: Path, region: str) -> StackFile:
    """The region's stack file, as committed."""
    path = stacks_dir / f"Pulumi.{region}.yaml"
    try:
        data = files.read_yaml(path, anchors=True) or {}
    except files.MissingFile:
        raise BadInputError(
            f"{path}: missing; add it with `config: {{regionkit:region: {region}}}` and `secretsprovider:` (see README)"
        ) from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: not a mapping; restore it from git")
    return StackFile(
        path,
        str(data.get("secretsprovider") or ""),
        str(data.get("encryptionsalt") or ""),
        str(data.get("encryptedkey") or ""),
    )
