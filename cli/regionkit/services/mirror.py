"""`mirror sync`: put the vendor artifacts a region's pools need into its mirror, with a sha256
manifest, and pin the sums in the region's committed group vars."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regionkit.adapters.ansible.inventory import write_group_vars
from regionkit.adapters.mirror.sync import SyncedArtifact, pins, sync
from regionkit.adapters.storage.s3 import MirrorEndpoint
from regionkit.errors import BadInputError
from regionkit.planning.artifacts import region_artifacts
from regionkit.services.catalog import require_valid
from regionkit.services.inventory import pins_path, region_hosts
from regionkit.services.session import Session

PINS_COMMENT = """Written by `regionkit mirror sync`: the sha256 of every artifact in the region's mirror, which the
roles check each download against. Commit it: a change here is a change of what the nodes install."""


@dataclass(frozen=True)
class SyncResult:
    region: str
    synced: list[SyncedArtifact]
    pins: Path


def mirror_sync(session: Session, region: str, source: Path | None = None) -> SyncResult:
    """Upload what the region's pools need from `source` (any depth); where the hosts are lab hosts
    and no source is given, build the lab's stand-ins for the vendors' files first. The pins go beside
    the inventory of these hosts (a rehearsal's own, never over the region's committed pins)."""
    require_valid(session, region, "synced")
    hosts = region_hosts(session, region)
    needed = region_artifacts(hosts.outputs.pools)
    if source is None:
        source = hosts.source.stand_ins(needed, hosts.outputs.pools)
        if source is None:
            raise BadInputError(
                f"mirror sync {region}: --from DIR is required (the folder with the vendor artifacts; deploy: --artifacts DIR)"
            )
        session.progress.note(f"built {len(needed)} lab stand-in artifacts (not vendor software) in {session.catalog.rel(source)}")
    elif not source.is_dir():
        raise BadInputError(f"--from {source}: not a folder; point it at the folder with the vendor artifacts")
    mirror = hosts.outputs.mirror
    endpoint = MirrorEndpoint(mirror.endpoint, mirror.bucket, mirror.region or "us-east-1", hosts.source.credentials())
    synced = sync(endpoint, needed, source)
    path = write_group_vars(session.workspace, pins_path(hosts.source), PINS_COMMENT, pins(synced, needed))
    return SyncResult(region, synced, path)
