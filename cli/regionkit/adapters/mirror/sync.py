"""`regionkit mirror sync`: upload the artifacts a region's pools need to its S3-compatible
mirror, with a manifest of sha256 sums, and pin those sums on the controller side."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit.adapters.storage.s3 import MirrorEndpoint, put_object
from regionkit.errors import BadInputError
from regionkit.planning.artifacts import ArtifactPlan

MANIFEST_KEY = "artifacts/manifest.json"


@dataclass(frozen=True)
class SyncedArtifact:
    ref: str
    key: str
    sha256: str
    size: int


def find_artifacts(needed: list[ArtifactPlan], source: Path) -> dict[str, Path]:
    """Each needed artifact's file under source (any depth), or BadInputError naming the missing."""
    files = {p.name: p for p in source.rglob("*") if p.is_file()}
    missing = [a.filename for a in needed if a.filename not in files]
    if missing:
        raise BadInputError(f"{source}: missing artifacts {', '.join(missing)}; put the vendor files there and re-run")
    return {a.ref: files[a.filename] for a in needed}


def sync(endpoint: MirrorEndpoint, needed: list[ArtifactPlan], source: Path) -> list[SyncedArtifact]:
    paths = find_artifacts(needed, source)
    synced = []
    for art in needed:
        body = paths[art.ref].read_bytes()
        put_object(endpoint, art.key, body)
        synced.append(SyncedArtifact(art.ref, art.key, hashlib.sha256(body).hexdigest(), len(body)))
    manifest = {s.ref: {"key": s.key, "sha256": s.sha256, "size": s.size} for s in synced}
    put_object(endpoint, MANIFEST_KEY, json.dumps(manifest, indent=2, sort_keys=True).encode())
    return synced


def pins(synced: list[SyncedArtifact], needed: list[ArtifactPlan]) -> dict[str, Any]:
    """The manifest as group vars (`regionkit_artifacts`): the sums the roles check downloads against,
    kept on the controller side so a checksum is never the mirror's own word."""
    plans = {a.ref: a for a in needed}
    return {
        "regionkit_artifacts": {
            s.ref: {"key": s.key, "sha256": s.sha256, "version": plans[s.ref].version, "filename": plans[s.ref].filename}
            for s in sorted(synced, key=lambda s: s.ref)
        }
    }
