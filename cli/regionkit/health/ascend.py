"""Huawei Ascend ``npu-smi info`` (npu-smi 22 to 26).

Each chip prints a pair of rows: ``NPU-id Name | Health | Power Temp Hugepages`` then
``Chip-id [Phy-ID|Device] | Bus-Id | AICore Memory [HBM]``. Cards with two chips (Atlas 300I
Duo's 310P3, the Atlas A3's "Ascend910") print one pair per chip under the same NPU id, so
NPUs are counted by id and chips per NPU. npu-smi 25.5 may add per-chip health rows
(``chip-id chip-id | OK | ...``) under a pair. Health is OK, Warning (a general alarm), or
Alarm / Critical and the like (faults).

A chip's name may be all digits (the Atlas 200's ``310``), so rows are told apart by place:
the row after a name row that carries a Bus-Id (a BDF, ``NA`` or ``-``) is its chip row.
Every device-table row has three cells, and each chip pair is closed by a whole border; a cut
row or border is a truncated capture.
"""

from __future__ import annotations

import re

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import ToolErrors, clean, elided_lines, scan_errors

VERSION = "1.0"

_BANNER = re.compile(r"npu-smi\s+(\S+)\s+Version:\s*(\S+)")
_HEALTH_OK = "OK"
_BUS = re.compile(r"^(?:[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d|NA|N/A|-)$")
_TOOL_ERRORS: ToolErrors = [
    (
        re.compile(r"dcmi model initiali[sz]ed failed, because the device is used.*", re.I),
        "the NPU management library cannot initialise: the device is held by another container",
        Action.REBOOT,
    ),
    (re.compile(r"dcmi module initiali[sz]e failed.*", re.I), "the NPU management library (DCMI) cannot initialise", Action.REBOOT),
    (re.compile(r"DrvMngGetConsoleLogLevel failed.*", re.I), "the NPU driver does not answer", Action.REBOOT),
    (
        re.compile(r"(?:Failed to|can not|cannot) (?:open|find|get) (?:the )?(?:device|npu).*", re.I),
        "npu-smi cannot open the NPU",
        Action.REBOOT,
    ),
    (re.compile(r"npu-smi: (?:command )?not found", re.I), "npu-smi is not installed", Action.DRAIN),
]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_npu_smi(text: str) -> HealthReport:
    """``npu-smi info``: the device table; the process table after it is ignored."""
    report = HealthReport("npu-smi", "npu-smi info", VERSION, devices=None)
    text = clean(text)
    scan_errors(report, text, _TOOL_ERRORS, first_only=True)
    banner = _BANNER.search(text)
    npus: dict[str, Device] = {}
    pending: tuple[str, str] | None = None  # (npu id, chip label) waiting for its Bus-Id row
    closed = True  # each chip pair is followed by a whole border ("+===" or "+---")
    width = max((len(ln.strip()) for ln in text.splitlines() if ln.strip().startswith("+-")), default=0)
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("+") and set(s) <= set("+-=") and not pending:
            closed = len(s) >= width  # a cut border is narrower than the banner's
            continue
        if not s.startswith("|"):
            continue
        if "Process id" in s or "Process name" in s:
            break
        cells = _cells(s)
        if not _BANNER.search(s) and (not s.endswith("|") or len(cells) < 3):
            report.unknown("a table row is cut short: truncated output", s)  # every device-table row has 3 cells
            continue
        if len(cells) < 3:
            continue
        first = cells[0].split()
        health = cells[1]
        if pending and first and first[0].isdigit() and _BUS.match(health):
            device = npus[pending[0]]  # the chip row under a name row: Chip [Device|Phy-ID] | Bus-Id
            if not device.bus_id:
                device.bus_id = health
            pending, closed = None, False
            continue
        if _per_chip_health(first, health, npus):
            _judge_health(report, f"{next(reversed(npus), '?')} chip {first[0]}", health, s)
            continue
        # A name row: "NPU-id Name | Health | Power Temp ...". The name may be all digits (the
        # Atlas 200's "310"), so a name row is told from a chip row by its place, not its name.
        if len(first) == 2 and first[0].isdigit() and re.fullmatch(r"[A-Za-z]+", health) and not _BUS.match(health):
            if pending:
                report.unknown("a chip row is missing its Bus-Id row: truncated", f"NPU {pending[0]}")
            npu, name = first
            if npu in npus:
                npus[npu].chips += 1  # a second chip of the same card (Atlas A3, 300I Duo)
            else:
                npus[npu] = Device(npu, name)
            pending = (npu, name)
            _judge_health(report, npu, health, s)
    if pending:
        report.unknown("the last chip row has no Bus-Id row: truncated output", f"NPU {pending[0]}")
    elif npus and not closed:
        report.unknown("the NPU table is not closed after its last chip: truncated output", f"NPU {next(reversed(npus))}")
    if len(_BANNER.findall(text)) > 1:
        report.unknown("more than one npu-smi output in the capture: outputs run together")
    if npus:
        report.devices = list(npus.values())
    elif not report.findings:
        report.unknown("no NPU row in the output" if banner else "no npu-smi banner and no NPU row: not npu-smi info output")
    if npus and not banner:
        report.unknown("no npu-smi banner: an excerpt, not a whole npu-smi info output")
    for line in elided_lines(text.splitlines()):
        report.unknown("elided output: not a whole table", line)
    return report


def _per_chip_health(first: list[str], health: str, npus: dict[str, Device]) -> bool:
    """npu-smi 25.5's per-chip health row under a pair: "chip-id chip-id | OK | ...", both ids
    the same number (a name row pairs an NPU id with a name, "0 310" or "0 910B3")."""
    return (
        bool(npus) and len(first) == 2 and first[0].isdigit() and first[0] == first[1] and health.isalpha() and not _BUS.match(health)
    )


def _judge_health(report: HealthReport, npu: str, health: str, seen: str) -> None:
    h = health.upper()
    if h == _HEALTH_OK:
        return
    if h == "WARNING":
        report.warn("NPU health Warning (a general alarm)", Action.DRAIN, seen, f"NPU {npu}")
    else:
        report.fail(f"NPU health {health}", Action.RESET if h in ("ALARM", "CRITICAL") else Action.DRAIN, seen, f"NPU {npu}")
