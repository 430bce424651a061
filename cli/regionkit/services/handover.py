"""`handover`: accept what the partner racked, through the servers' BMCs, before anything is
installed. Reads every listed BMC of the region concurrently (Redfish, adapters/redfish), decides
per server against the manifest and its server model (planning/handover.py), sweeps the zones' BMC
ranges for BMCs the manifest does not list, rotates the factory password on acceptance when asked,
and records the verdicts in the workspace, where the inventory reads which servers may go on.

Credentials come from where the catalog points (an environment variable or a private file) and
travel only inside the adapter's requests: never in argv, logs, records or reports."""

from __future__ import annotations

import datetime as dt
import fnmatch
import ipaddress
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit import __version__
from regionkit.adapters.redfish.fleet import FleetOptions, read_fleet, sweep
from regionkit.adapters.redfish.pins import PinStore
from regionkit.adapters.redfish.reader import BmcTarget
from regionkit.adapters.redfish.secrets import Credentials, Secret, read_credentials, read_secret
from regionkit.catalog import files
from regionkit.catalog.model import RESERVED_HOSTS, HandoverSpec, PoolSpec, RegionSpec, SecretRefSpec, ZoneSpec
from regionkit.errors import BadInputError
from regionkit.planning.handover import (
    BmcReading,
    HandoverReport,
    HandoverResult,
    decide,
    held_back,
    manifest_digest,
    merge_record,
    unlisted,
)
from regionkit.reports.html import handover_html
from regionkit.reports.markdown import handover_markdown
from regionkit.reports.redact import redact, redact_all
from regionkit.services.catalog import require_valid
from regionkit.services.hosts import hosts_for
from regionkit.services.session import Session

MAX_SWEEP = 4096  # addresses of one zone's BMC range probed for unlisted BMCs; larger ranges: the first ones
SWEEP_OPTIONS = FleetOptions(workers=32, timeout_s=0.5, attempts=0)  # a BMC on the BMC network answers in ms


@dataclass(frozen=True)
class HandoverRun:
    """What a handover did: the report (verdicts, unlisted BMCs), where it was written, the record."""

    report: HandoverReport
    folder: Path  # the run folder: report.md, report.html, handover.json
    record: Path  # the region's verdicts, merged across runs (the inventory reads it)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code


def manifest(spec: RegionSpec) -> Iterator[tuple[PoolSpec, HandoverSpec]]:
    for pool in spec.pools:
        for entry in pool.handover:
            yield pool, entry


def region_manifest(session: Session, region: str) -> dict[str, HandoverSpec]:
    """The servers the region's pools list (as its hosts were planned), by hostname."""
    return {e.hostname: e for _, e in manifest(hosts_for(session, region).region_spec())}


def read_record(session: Session, region: str) -> dict[str, Any] | None:
    path = session.workspace.handover_record(region)
    fix = f"run `regionkit handover {region}` again"
    try:
        record = files.read_json(path, session.catalog.rel(path), follow=False)
    except files.MissingFile:
        return None
    except files.FileProblem as exc:
        raise BadInputError(f"{str(exc).split('. Fix:')[0]}; {fix}") from None
    if not isinstance(record, dict):
        raise BadInputError(f"{session.catalog.rel(path)}: not a handover record; {fix}")
    return record


def held_back_servers(session: Session, region: str) -> dict[str, str]:
    """The listed servers that may not go on (host -> why): rejected, never handed over, or
    accepted against a manifest entry that changed since. Empty for a region that lists none."""
    listed = region_manifest(session, region)
    return held_back(read_record(session, region), listed, region) if listed else {}


def forget(session: Session, region: str) -> None:
    """Drop the region's record (the lab's hosts are gone: their verdicts with them)."""
    session.workspace.handover_record(region).unlink(missing_ok=True)


def _select(spec: RegionSpec, zone: str | None, limit: str | None) -> list[tuple[PoolSpec, HandoverSpec]]:
    listed = list(manifest(spec))
    if not listed:
        raise BadInputError(
            f"{spec.key}: its pools list no servers, so there is nothing to hand over; add the partner's manifest "
            "(pools[].handover) and a handover: section (README, Handover)"
        )
    if zone is not None:
        if spec.zone(zone) is None:
            raise BadInputError(f"--zone {zone}: {spec.key} has no such zone; use one of {', '.join(z.id for z in spec.zones)}")
        listed = [(p, e) for p, e in listed if p.zone == zone]
        if not listed:
            raise BadInputError(f"--zone {zone}: no pool of that zone lists servers")
    if limit:
        patterns = [p.strip() for p in limit.split(",") if p.strip()]
        unknown = [p for p in patterns if not any(fnmatch.fnmatchcase(e.hostname, p) for _, e in listed)]
        if unknown:
            names = ", ".join(e.hostname for _, e in listed[:8]) + (" ..." if len(listed) > 8 else "")
            raise BadInputError(f"--limit {','.join(unknown)}: no listed server matches; the manifest lists {names}")
        listed = [(p, e) for p, e in listed if any(fnmatch.fnmatchcase(e.hostname, x) for x in patterns)]
    return listed


def sweep_addresses(zone: ZoneSpec) -> list[str]:
    """The zone's BMC range, less the reserved first addresses and the broadcast; at most MAX_SWEEP."""
    net = zone.network.bmc
    if net is None:
        return []
    first = int(net.network_address) + RESERVED_HOSTS + 1
    last = min(int(net.broadcast_address) - 1, first + MAX_SWEEP - 1)
    return [str(ipaddress.IPv4Address(i)) for i in range(first, last + 1)]


def handover(
    session: Session,
    region: str,
    zone: str | None = None,
    limit: str | None = None,
    rotate: bool = False,
    options: FleetOptions = FleetOptions(),
    sweep_options: FleetOptions = SWEEP_OPTIONS,
) -> HandoverRun:
    """Read, decide, sweep, rotate when asked, record and report. The run's exit code: 0 every
    server accepted, 1 any rejected or an unlisted BMC found, 3 a BMC unreachable."""
    catalog = session.catalog
    spec = hosts_for(session, region).region_spec()
    require_valid(session, region, "handed over")
    chosen = _select(spec, zone, limit)
    access = spec.handover
    if access is None:  # handover.access reports it too; a region that skips it still gets one line
        raise BadInputError(f"{region}: the pools list servers but the region has no handover: section (source, credentials)")
    if rotate and access.rotate_to is None:
        raise BadInputError(f"--rotate: {region}'s handover: section names no rotate_to (the site's own password: env or file)")
    secrets: list[str] = []

    def secret(ref: SecretRefSpec, what: str) -> Secret:
        value = read_secret(ref, session.root, what=f"{region} {what}")
        secrets.append(value.value)
        return value

    factory = read_credentials(access.credentials, session.root)
    secrets.append(factory.password.value)
    site = None
    if access.rotate_to is not None:  # also the login of servers an earlier run rotated
        try:
            site = secret(access.rotate_to, "site BMC password (rotate_to)")
        except BadInputError:
            if rotate:
                raise
    entries = {e.hostname: e for _, e in chosen}
    targets = []
    for _, entry in chosen:
        creds = factory
        if entry.credentials is not None:
            creds = Credentials(entry.credentials.username, secret(entry.credentials.password, f"{entry.hostname} BMC password"))
        targets.append(BmcTarget(entry.hostname, str(entry.bmc_address), access.port, creds, site, access.auth))
    models = catalog.servers.models
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pins = PinStore(session.workspace.bmc_pins(), writer=lambda path, text: session.workspace.write(path, text))
    done, lock = [0], threading.Lock()

    def accept(target: BmcTarget, reading: BmcReading) -> bool:
        entry = entries[target.name]
        return decide(entry, models[entry.model], reading).verdict == "accepted"

    def progress(target: BmcTarget, reading: BmcReading) -> None:
        with lock:
            done[0] += 1
            session.progress.status(f"handover {region}: {done[0]}/{len(targets)} BMCs read")

    session.progress.status(f"handover {region}: reading {len(targets)} BMCs")
    readings = read_fleet(targets, pins, options, accept if rotate else None, progress)
    results = [decide(entries[t.name], models[entries[t.name].model], r) for t, r in zip(targets, readings, strict=True)]
    rotated = tuple(t.name for t, r in zip(targets, readings, strict=True) if r.rotated)
    found: list[HandoverResult] = []
    swept = 0
    if not limit:  # a limited run reads the servers asked for; a sweep covers whole zones
        zones_listed = {p.zone for p, _ in manifest(spec)}
        for z in [z for z in spec.zones if z.id in zones_listed and zone in (None, z.id)]:
            addresses = sweep_addresses(z)
            if not addresses:
                continue
            session.progress.status(f"handover {region}: sweeping {len(addresses)} addresses of {z.id}'s BMC range")
            listed = {str(e.bmc_address) for p, e in manifest(spec) if p.zone == z.id}
            found += [unlisted(r) for r in sweep(addresses, access.port, listed, sweep_options)]
            swept += len(addresses)
    zone_of = {e.hostname: p.zone for p, e in chosen}
    partners = catalog.partners.partners
    site_of = {z.id: f"{partners[z.partner].name if z.partner in partners else z.partner}, {z.facility_code}" for z in spec.zones}
    scope = "every listed server" if not (zone or limit) else ", ".join(x for x in (f"zone {zone}" if zone else "", limit or "") if x)
    folder = session.workspace.run_folder("handover", region)
    report = HandoverReport(
        region=region,
        source=access.source,
        started=started,
        version=__version__,
        scope=scope,
        results=tuple(results),
        unlisted=tuple(found),
        rotated=rotated,
        swept=swept,
        zone_of=zone_of,
        site_of=site_of,
        operator=catalog.policy.operator.name,
        report=str(folder / "report.md"),
    )
    ws = session.workspace
    digests = {name: manifest_digest(e) for name, e in entries.items()}
    record_path = ws.handover_record(region)
    ws.write(record_path, json.dumps(merge_record(read_record(session, region), region, results, digests, folder.name), indent=2))
    # Nothing in a reading carries a credential; the reports are redacted all the same.
    ws.write(folder / "handover.json", json.dumps(redact_all(report.to_dict(), secrets), indent=2, sort_keys=True))
    ws.write(folder / "report.md", redact(handover_markdown(report), secrets))
    ws.write(folder / "report.html", redact(handover_html(report), secrets))
    return HandoverRun(report, folder, record_path)
