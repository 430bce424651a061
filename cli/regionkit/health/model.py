"""The verdict model every health parser reports in, for all four vendors.

A report is fail-closed: its verdict is the worst severity among its findings.

- ``fail``: the output shows a fault, including a tool error that means the driver or its
  service is broken (version mismatch, no device found, a management library or host engine
  that cannot be reached);
- ``unknown``: the output proves nothing (empty, elided, truncated, contradicting itself, a
  collective run that measured nothing). Never counted as passed;
- ``warn``: parsed and healthy, with something an operator should see;
- ``pass``: a complete output of that tool, reporting no fault.

Each finding carries a recommended action in the style of NVIDIA's Xid catalog resolution
buckets (RESTART_APP, RESET_GPU, RESTART_BM, CONTACT_SUPPORT), named for every vendor alike.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Severity(enum.StrEnum):
    """How much one finding weighs; the report's verdict is the worst of them."""

    FAIL = "fail"
    UNKNOWN = "unknown"
    WARN = "warn"
    INFO = "info"


class Action(enum.StrEnum):
    """What an operator does about a finding (NVIDIA's resolution buckets, vendor-neutral)."""

    NONE = "none"
    RERUN = "re-run"  # RESTART_APP: capture again / re-run the job; the device is not implicated
    DRAIN = "drain"  # take the node out of the pool and investigate before it takes work
    RESET = "reset the device"  # RESET_GPU: nvidia-smi -r, amd-smi reset --gpureset, npu-smi set -t reset
    REBOOT = "reboot"  # RESTART_BM: the driver or its service must be reloaded
    REPLACE = "replace"  # CONTACT_SUPPORT / RMA: the part is worn out


_RANK = {Severity.FAIL: 3, Severity.UNKNOWN: 2, Severity.WARN: 1, Severity.INFO: 0}
_VERDICT = {3: Verdict.FAIL, 2: Verdict.UNKNOWN, 1: Verdict.WARN, 0: Verdict.PASS}


@dataclass(frozen=True)
class Finding:
    """One thing the output shows: ``what`` is the diagnosis, ``seen`` the output it rests on."""

    severity: Severity
    what: str
    action: Action
    seen: str = ""
    device: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": str(self.severity),
            "device": self.device,
            "what": self.what,
            "seen": self.seen,
            "action": str(self.action),
        }


@dataclass
class Device:
    """A device as the tool lists it (a GPU, an NPU with its chips, a PPU)."""

    index: str
    name: str = ""
    bus_id: str = ""
    persistence: bool | None = None
    chips: int = 1


@dataclass
class HealthReport:
    """What one captured output shows. ``devices`` is None when the output shows no count."""

    kind: str
    parser: str
    parser_version: str
    devices: list[Device] | None = None
    findings: list[Finding] = field(default_factory=list)
    busbw_gbps: float | None = None
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # nvidia-topo: GPU pair -> link

    @property
    def verdict(self) -> Verdict:
        return _VERDICT[max((_RANK[f.severity] for f in self.findings), default=0)]

    @property
    def device_count(self) -> int | None:
        return None if self.devices is None else len(self.devices)

    def add(self, severity: Severity, what: str, action: Action, seen: str = "", device: str | None = None) -> None:
        finding = Finding(severity, what, action, seen.strip()[:300], device)
        if finding not in self.findings:
            self.findings.append(finding)

    def fail(self, what: str, action: Action, seen: str = "", device: str | None = None) -> None:
        self.add(Severity.FAIL, what, action, seen, device)

    def unknown(self, what: str, seen: str = "", device: str | None = None) -> None:
        self.add(Severity.UNKNOWN, what, Action.RERUN, seen, device)

    def warn(self, what: str, action: Action, seen: str = "", device: str | None = None) -> None:
        self.add(Severity.WARN, what, action, seen, device)

    def info(self, what: str, seen: str = "") -> None:
        self.add(Severity.INFO, what, Action.NONE, seen)

    def has_fault(self) -> bool:
        return self.has(Severity.FAIL)

    def has(self, severity: Severity) -> bool:
        return any(f.severity == severity for f in self.findings)

    @property
    def reasons(self) -> list[str]:
        """The findings that decide the verdict, as one line each (empty for a pass)."""
        worst = {Verdict.FAIL: Severity.FAIL, Verdict.UNKNOWN: Severity.UNKNOWN, Verdict.WARN: Severity.WARN}.get(self.verdict)
        return [_line(f) for f in self.findings if f.severity == worst]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "verdict": str(self.verdict),
            "devices": self.device_count,
            "busbw_gbps": self.busbw_gbps,
            "findings": [f.to_dict() for f in self.findings],
            "parser": {"name": self.parser, "version": self.parser_version},
        }


def _line(f: Finding) -> str:
    where = f"{f.device}: " if f.device else ""
    return f"{where}{f.what} ({f.action})"


@dataclass(frozen=True)
class PoolExpectation:
    """What a pool declares about its nodes' devices; checked apart from health."""

    count: int | None = None
    model: str | None = None
    persistence: bool = False
    nvlink: bool = False


def expectation_problems(report: HealthReport, expected: PoolExpectation) -> list[str]:
    """The pool's expectations the report does not meet, one line each (empty: all met).

    A report whose verdict is fail or unknown cannot meet any expectation: its reasons come
    first, so a caller never reads "count matches" off an output that proves nothing."""
    problems = list(report.reasons) if report.verdict in (Verdict.FAIL, Verdict.UNKNOWN) else []
    devices = report.devices or []
    if expected.count is not None and report.device_count != expected.count:
        shown = "no device count" if report.devices is None else f"{len(devices)} devices"
        problems.append(f"{report.kind}: {shown} visible, the pool expects {expected.count}")
    if expected.model:
        wrong = [d for d in devices if d.name and not model_matches(expected.model, d.name)]
        problems += [f"{report.kind}: device {d.index} is {d.name!r}, the pool expects {expected.model}" for d in wrong]
    if expected.persistence:
        off = [d.index for d in devices if d.persistence is False]
        if off:
            problems.append(f"{report.kind}: persistence mode is off on device(s) {', '.join(off)}")
    if expected.nvlink:
        slow = sorted(f"GPU{a}-GPU{b}:{link}" for (a, b), link in report.links.items() if a < b and not link.startswith("NV"))
        if slow:
            problems.append(f"{report.kind}: GPU pairs without NVLink: {', '.join(slow)}")
    return problems


def model_matches(expected: str, name: str) -> bool:
    """'H100' in 'NVIDIA H100 80GB HBM3', 'Ascend-910B' in '910B2C', 'MI300X' in 'AMD Instinct MI300X VF'."""
    token = re.sub(r"^(ascend|nvidia|amd|instinct|t-head|thead)[-\s]+", "", expected.strip(), flags=re.I)
    return token.upper().replace(" ", "") in name.upper().replace(" ", "")
