"""Handover decisions: from a manifest entry, its server model and what the BMC reported, decide
`accepted` or `rejected`, with every reason and its fix. Pure: the Redfish adapter reads the BMC
into a `BmcReading`; nothing here does I/O.

Firmware versions compare field by field (`compare_versions`), the way vendors write them:
`7.00.00.171`, `2.1a`, `U54 v2.90 (03/17/2024)` (with a `version_pattern`), `00.04.0011.0000_n00`,
`96.00.74.00.01` (hex fields with `scheme: hex`), `1.2.3-rc1` (below `1.2.3`). Two strings whose
shapes differ (letters where the other has a different word) are not comparable: that is a
rejection of its own, never a silent pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from regionkit.catalog.model import BiosSettingSpec, FirmwareBaselineSpec, HandoverSpec, ServerModelSpec, normalized_mac
from regionkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE

Verdict = Literal["accepted", "rejected", "unlisted"]
ReasonKind = Literal[
    "unreachable",
    "auth_refused",
    "tls_changed",
    "protocol",
    "serial",
    "mac",
    "model",
    "accelerators",
    "firmware",
    "bios",
    "power",
    "health",
    "not_in_manifest",
]
# The power states a server may be handed over in; anything else (transitional, paused, absent)
# is a fault to look at before the server goes on.
POWER_STATES_OK = ("On", "Off")
# Health a server may be handed over with (Redfish Resource.Health: OK, Warning, Critical).
HEALTH_OK = "OK"
ACCELERATOR_TYPES = ("GPU", "Accelerator")


@dataclass(frozen=True)
class FirmwareItem:
    """One member of the BMC's UpdateService/FirmwareInventory."""

    id: str
    name: str
    version: str


@dataclass(frozen=True)
class BmcReading:
    """What the Redfish adapter read from one BMC (a `*Result`: observed, not declared).

    `failure` is set when the BMC could not be read at all; the other fields are then empty.
    """

    address: str
    read_at: dt.datetime
    failure: Literal["unreachable", "auth_refused", "tls_changed", "protocol"] | None = None
    detail: str = ""  # for a failure: what happened, without credentials
    tls_fingerprint: str = ""
    tls_first_contact: bool = False
    manufacturer: str | None = None
    model: str | None = None
    system_serial: str | None = None
    chassis_serial: str | None = None
    power_state: str | None = None
    health: str | None = None  # system Status.Health
    health_rollup: str | None = None  # system Status.HealthRollup
    chassis_health: str | None = None
    accelerators: tuple[str, ...] = ()  # Model of each GPU/Accelerator processor
    bmc_macs: tuple[str, ...] = ()
    firmware: tuple[FirmwareItem, ...] = ()
    bios: dict[str, str | int | bool | None] = field(default_factory=dict)
    credentials: Literal["factory", "site", ""] = ""
    rotated: bool = False


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    message: str
    fix: str


@dataclass(frozen=True)
class HandoverResult:
    """The verdict on one server (or on one BMC the manifest does not list)."""

    server: str  # the manifest's hostname; for an unlisted BMC, its address
    address: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    read_at: dt.datetime
    rack: str = ""
    u: int = 0
    model: str = ""
    serial: str = ""

    @property
    def unreachable(self) -> bool:
        return any(r.kind == "unreachable" for r in self.reasons)


# --- versions ---------------------------------------------------------------------------------

_PRE_RELEASE = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "pre": 3, "rc": 4}
_TOKEN = re.compile(r"\d+|[A-Za-z]+")


class IncomparableVersions(ValueError):
    """Two firmware versions whose shapes do not line up."""


def _tokens(version: str, scheme: str) -> list[int | str]:
    if scheme == "hex":
        fields = [f for f in re.split(r"[^0-9A-Fa-f]+", version) if f]
        try:
            return [int(f, 16) for f in fields]
        except ValueError as exc:  # pragma: no cover - the split leaves hex digits only
            raise IncomparableVersions(str(exc)) from None
    return [int(t) if t.isdigit() else t.lower() for t in _TOKEN.findall(version)]


def _pre(token: int | str) -> int | None:
    return _PRE_RELEASE.get(token) if isinstance(token, str) and len(token) > 1 else None


def compare_versions(found: str, baseline: str, scheme: str = "natural") -> int:
    """-1, 0 or 1 as `found` is below, at or above `baseline`. Raises IncomparableVersions.

    natural: digit runs compare as numbers (so 7.00.00.171 > 7.00.00.99 and 00.04.0011 = 0.4.11),
    separators do not count; a trailing pre-release word (rc, beta, alpha, pre, dev) sorts below the
    release it precedes (1.2.3rc1 < 1.2.3), a trailing revision letter above it (2.1a > 2.1, as
    Supermicro's BIOS letters); revision letters compare in order (2.1a < 2.1b), but a
    different leading letter is another product family (HPE U54 vs A43): not comparable. hex: every field is
    a hexadecimal number (96.00.5E.00.01 < 96.00.61.00.01).
    """
    a, b = _tokens(found, scheme), _tokens(baseline, scheme)
    if not a or not b:
        raise IncomparableVersions(f"{found!r} or {baseline!r} holds no version number")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int):
            return -1 if x < y else 1
        px, py = _pre(x), _pre(y)
        if px is not None and py is not None:
            return -1 if px < py else 1
        if px is not None:  # 1.0rc1 vs 1.0.1: the pre-release is lower
            return -1
        if py is not None:
            return 1
        if i > 0 and isinstance(x, str) and isinstance(y, str) and len(x) == 1 and len(y) == 1:
            return -1 if x < y else 1  # revision letters after a number; a leading letter is a family
        raise IncomparableVersions(f"{found!r} and {baseline!r} differ in shape at {x!r} / {y!r}")
    if len(a) == len(b):
        return 0
    longer, sign = (a, 1) if len(a) > len(b) else (b, -1)
    extra = longer[min(len(a), len(b))]
    # The longer one continues: with a pre-release word it is below the shorter one.
    return -sign if _pre(extra) is not None else sign


def extract_version(text: str, pattern: str | None) -> str | None:
    """The comparable part of a vendor's version string (None: the pattern does not match)."""
    if pattern is None:
        return text.strip()
    match = re.search(pattern, text)
    return match.group(1) if match else None


# --- decisions --------------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _failure_reason(reading: BmcReading) -> Reason:
    where = reading.address
    if reading.failure == "unreachable":
        return Reason(
            "unreachable",
            f"BMC {where} does not answer Redfish ({reading.detail or 'no answer'})",
            "check the BMC's cabling and address with the partner (is its port up, is the address its own?), then run handover again",
        )
    if reading.failure == "auth_refused":
        return Reason(
            "auth_refused",
            f"BMC {where} refused the credentials ({reading.detail or 'HTTP 401'})",
            "ask the partner for this BMC's factory credentials (some ship a per-server password on the pull-out tag) "
            "and set them where the catalog's handover credentials point",
        )
    if reading.failure == "tls_changed":
        return Reason(
            "tls_changed",
            f"BMC {where} presented another TLS certificate than the one pinned on first contact ({reading.detail})",
            "confirm with the partner that the BMC (or its certificate) was replaced; only then drop its line from the pin file",
        )
    return Reason(
        "protocol",
        f"BMC {where} answered, but not as a Redfish service regionkit can read ({reading.detail})",
        "check the address is this server's BMC and its Redfish service is enabled",
    )


def check_firmware(baseline: FirmwareBaselineSpec, inventory: Sequence[FirmwareItem]) -> list[Reason]:
    """Reasons why the inventory does not meet one component's baseline (empty: it does)."""
    picked = [
        item
        for item in inventory
        if (baseline.id_pattern is None or re.search(baseline.id_pattern, item.id))
        and (baseline.name_pattern is None or re.search(baseline.name_pattern, item.name))
    ]
    upgrade = f"update {baseline.component} to {baseline.min_version} or later (the vendor's firmware bundle), then run handover again"
    if not picked:
        return [
            Reason(
                "firmware",
                f"{baseline.component}: not in the BMC's firmware inventory, so its version cannot be checked",
                f"check the model is right, or correct id_pattern/name_pattern of {baseline.component} in servers.yml",
            )
        ]
    below, unreadable = [], []
    for item in picked:
        version = extract_version(item.version, baseline.version_pattern)
        try:
            if version is None:
                raise IncomparableVersions(f"version_pattern does not match {item.version!r}")
            if compare_versions(version, baseline.min_version, baseline.scheme) < 0:
                below.append(f"{item.id} {item.version}")
        except IncomparableVersions as exc:
            unreadable.append(f"{item.id} {item.version!r} ({exc})")
    reasons = []
    if below:
        reasons.append(
            Reason("firmware", f"{baseline.component} below the baseline {baseline.min_version}: {', '.join(below)}", upgrade)
        )
    if unreadable:
        reasons.append(
            Reason(
                "firmware",
                f"{baseline.component}: version cannot be compared with the baseline {baseline.min_version}: {', '.join(unreadable)}",
                "set version_pattern (or scheme) of the component in servers.yml to read this vendor's version format",
            )
        )
    return reasons


def _bios_value(setting: BiosSettingSpec, attributes: dict[str, str | int | bool | None]) -> tuple[str | None, object]:
    if setting.match == "exact":
        return (setting.attribute, attributes[setting.attribute]) if setting.attribute in attributes else (None, None)
    for name in sorted(attributes):
        if name.startswith(setting.attribute):
            return name, attributes[name]
    return None, None


def _same(found: object, wanted: str | int | bool) -> bool:
    if isinstance(wanted, bool) or isinstance(found, bool):
        return isinstance(found, bool) and isinstance(wanted, bool) and found is wanted
    return str(found) == str(wanted)


def check_bios(setting: BiosSettingSpec, attributes: dict[str, str | int | bool | None]) -> Reason | None:
    name, found = _bios_value(setting, attributes)
    fix = (
        f"set {setting.attribute} to {setting.value!r} (BIOS setup, or PATCH the system's Bios/Settings) "
        "and reboot; the change holds after the next boot"
    )
    if name is None:
        return Reason("bios", f"BIOS attribute {setting.attribute} is not reported ({setting.why})", fix)
    if not _same(found, setting.value):
        return Reason("bios", f"BIOS {name} is {found!r}, must be {setting.value!r} ({setting.why})", fix)
    return None


def decide(
    entry: HandoverSpec,
    model: ServerModelSpec,
    reading: BmcReading,
) -> HandoverResult:
    """accepted, or rejected with every reason and its fix."""
    reasons: list[Reason] = []
    if reading.failure is not None:
        reasons.append(_failure_reason(reading))
    else:
        reasons.extend(_identity(entry, model, reading))
        for baseline in model.firmware:
            reasons.extend(check_firmware(baseline, reading.firmware))
        for setting in model.bios:
            reason = check_bios(setting, reading.bios)
            if reason is not None:
                reasons.append(reason)
        reasons.extend(_state(reading))
    return HandoverResult(
        server=entry.hostname,
        address=str(entry.bmc_address),
        verdict="rejected" if reasons else "accepted",
        reasons=tuple(reasons),
        read_at=reading.read_at,
        rack=entry.rack,
        u=entry.u,
        model=entry.model,
        serial=entry.serial,
    )


def _identity(entry: HandoverSpec, model: ServerModelSpec, reading: BmcReading) -> Iterable[Reason]:
    serial = reading.chassis_serial or reading.system_serial
    if _norm(serial) != _norm(entry.serial):
        yield Reason(
            "serial",
            f"chassis serial is {serial!r}, the manifest says {entry.serial!r}",
            "the BMC at this address is another server's: have the partner check cabling, or correct the manifest from the label",
        )
    macs = {normalized_mac(m) for m in reading.bmc_macs}
    if normalized_mac(entry.bmc_mac) not in macs:
        seen = ", ".join(sorted(macs)) or "none reported"
        yield Reason(
            "mac",
            f"BMC MAC is {seen}, the manifest says {normalized_mac(entry.bmc_mac)}",
            "the address answers for another BMC (DHCP lease or cabling): have the partner check, or correct bmc_mac from the sheet",
        )
    if _norm(reading.model) != _norm(model.model) or _norm(reading.manufacturer) != _norm(model.manufacturer):
        yield Reason(
            "model",
            f"the BMC reports {reading.manufacturer!r} {reading.model!r}, the manifest's model {entry.model} is "
            f"{model.manufacturer!r} {model.model!r}",
            "the partner racked another model than was ordered: escalate with the partner, or correct model: in the manifest",
        )
    count = len(reading.accelerators)
    if count != model.accelerator_count:
        yield Reason(
            "accelerators",
            f"{count} accelerators reported, {entry.model} has {model.accelerator_count}",
            "a missing accelerator is seated badly, dead or not powered: have the partner reseat or replace it before acceptance",
        )


def _state(reading: BmcReading) -> Iterable[Reason]:
    if reading.power_state not in POWER_STATES_OK:
        yield Reason(
            "power",
            f"power state is {reading.power_state!r}, expected On or Off",
            "a server stuck powering on or paused has a power or POST fault: read the BMC's event log with the partner and fix it",
        )
    faulted = [
        f"{what} {value}"
        for what, value in (
            ("system health", reading.health),
            ("system health rollup", reading.health_rollup),
            ("chassis health", reading.chassis_health),
        )
        if value is not None and value != HEALTH_OK
    ]
    if reading.health is None:
        faulted.append("system health not reported")
    if faulted:
        yield Reason(
            "health",
            f"{', '.join(faulted)}",
            "read the BMC's event log (LogServices) for the faulted part and have the partner replace it",
        )


def unlisted(reading: BmcReading) -> HandoverResult:
    """A BMC answering on the BMC range that the manifest does not list: reported, never admitted."""
    what = " ".join(x for x in (reading.manufacturer, reading.model) if x) or "a Redfish service"
    serial = reading.chassis_serial or reading.system_serial
    return HandoverResult(
        server=reading.address,
        address=reading.address,
        verdict="unlisted",
        reasons=(
            Reason(
                "not_in_manifest",
                f"{what} answers at {reading.address}{f' (serial {serial})' if serial else ''}; the manifest lists no server there",
                "ask the partner what it is: add it to the manifest if it was ordered, or have it taken off the BMC network",
            ),
        ),
        read_at=reading.read_at,
        serial=serial or "",
    )


def handover_exit_code(results: Sequence[HandoverResult]) -> int:
    """0 all accepted; 3 any BMC unreachable; 1 any rejected or unlisted (DESIGN.md exit codes)."""
    if any(r.unreachable for r in results):
        return EXIT_UNREACHABLE
    if any(r.verdict != "accepted" for r in results):
        return EXIT_FAILED
    return EXIT_OK


# --- one handover run, and the record later use cases read -------------------------------------


def manifest_digest(entry: HandoverSpec) -> str:
    """What a verdict was reached against: the manifest entry (credentials' sources left out). A
    verdict on an entry that changed since no longer holds."""
    doc = entry.model_dump(mode="json", exclude={"credentials"})
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def reason_dict(reason: Reason) -> dict[str, str]:
    return {"kind": reason.kind, "message": reason.message, "fix": reason.fix}


def result_dict(result: HandoverResult, rotated: bool = False) -> dict[str, Any]:
    """One entry of handover's JSON: the server, its verdict, every reason with its fix."""
    return {
        "server": result.server,
        "verdict": result.verdict,
        "reasons": [reason_dict(r) for r in result.reasons],
        "bmc_address": result.address,
        "rack": result.rack,
        "u": result.u,
        "model": result.model,
        "serial": result.serial,
        "read_at": result.read_at.isoformat(),
        "rotated": rotated,
    }


@dataclass(frozen=True)
class HandoverReport:
    """A handover run: the verdict on each server read, the BMCs found that the manifest does not
    list, and what the report a partner signs needs (source, sites, times)."""

    region: str
    source: str  # the manifest's source (the partner's sheet and its date)
    started: dt.datetime
    version: str
    scope: str  # "every listed server", "zone X", "servers a, b"
    results: tuple[HandoverResult, ...]  # listed servers, in manifest order
    unlisted: tuple[HandoverResult, ...] = ()
    rotated: tuple[str, ...] = ()
    swept: int = 0  # BMC-range addresses probed for unlisted BMCs
    zone_of: dict[str, str] = field(default_factory=dict)  # server -> zone
    site_of: dict[str, str] = field(default_factory=dict)  # zone -> "Partner name, FACILITY"
    operator: str = ""
    report: str = ""  # where the Markdown report was written

    @property
    def exit_code(self) -> int:
        return handover_exit_code([*self.results, *self.unlisted])

    @property
    def accepted(self) -> list[str]:
        return [r.server for r in self.results if r.verdict == "accepted"]

    @property
    def rejected(self) -> list[str]:
        return [r.server for r in self.results if r.verdict != "accepted"]

    def racks(self) -> list[tuple[str, str, list[HandoverResult]]]:
        """(zone, rack, servers by rack unit, top first) per rack, in zone and rack order."""
        by: dict[tuple[str, str], list[HandoverResult]] = {}
        for r in self.results:
            by.setdefault((self.zone_of.get(r.server, ""), r.rack), []).append(r)
        return [(z, rack, sorted(rs, key=lambda r: -r.u)) for (z, rack), rs in sorted(by.items())]

    def to_dict(self) -> dict[str, Any]:
        counts = {v: sum(r.verdict == v for r in self.results) for v in ("accepted", "rejected")}
        return {
            "region": self.region,
            "source": self.source,
            "started": self.started.isoformat(),
            "version": self.version,
            "scope": self.scope,
            "exit_code": self.exit_code,
            "verdict": "accepted" if self.exit_code == EXIT_OK else "rejected",
            "totals": {**counts, "unlisted": len(self.unlisted)},
            "swept": self.swept,
            "operator": self.operator,
            "racks": [
                {"zone": z, "site": self.site_of.get(z, ""), "rack": rack, "servers": [r.server for r in rs]}
                for z, rack, rs in self.racks()
            ],
            "servers": [result_dict(r, r.server in self.rotated) for r in self.results],
            "unlisted": [result_dict(r) for r in self.unlisted],
            "report": self.report,
        }


def merge_record(
    previous: dict[str, Any] | None, region: str, results: Sequence[HandoverResult], digests: dict[str, str], run: str
) -> dict[str, Any]:
    """The region's record after a run: each server read now replaces its earlier verdict; servers
    this run did not read (--zone, --limit) keep theirs."""
    servers = dict((previous or {}).get("servers", {})) if (previous or {}).get("region") == region else {}
    for r in results:
        servers[r.server] = {
            "verdict": r.verdict,
            "reasons": [reason_dict(x) for x in r.reasons],
            "read_at": r.read_at.isoformat(),
            "manifest": digests.get(r.server, ""),
            "run": run,
        }
    return {"region": region, "servers": dict(sorted(servers.items()))}


def held_back(record: dict[str, Any] | None, manifest: dict[str, HandoverSpec], region: str) -> dict[str, str]:
    """The listed servers that may not go on, each with why: never handed over, rejected, or
    accepted against a manifest entry that has changed since."""
    servers = (record or {}).get("servers", {}) if (record or {}).get("region") == region else {}
    why: dict[str, str] = {}
    for name, entry in manifest.items():
        seen = servers.get(name)
        if not isinstance(seen, dict):
            why[name] = f"not handed over yet: run `regionkit handover {region}`"
        elif seen.get("manifest") != manifest_digest(entry):
            when = seen.get("read_at", "?")
            why[name] = f"its manifest entry changed after the handover of {when}: run `regionkit handover {region} --limit {name}`"
        elif seen.get("verdict") != "accepted":
            reasons = seen.get("reasons") or [{}]
            first = str(reasons[0].get("message", "no reason recorded"))
            more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
            why[name] = f"rejected at handover {seen.get('read_at', '?')}: {first}{more}"
    return why
