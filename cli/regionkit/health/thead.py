"""T-Head (Alibaba) ``ppu-smi -L``.

No real ``ppu-smi`` output is public (see tests/fixtures/synthetic/thead/README.md). The vendor
documents ``ppu-smi -L`` with the syntax of ``nvidia-smi -L``, so this parser reads that shape:
``PPU <index>: <product> (UUID: <uuid>)``. Every report says it rests on synthetic fixtures
only, so nobody mistakes a pass here for a parser proven on real output.
"""

from __future__ import annotations

import re

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import clean, elided_lines

VERSION = "0.1-synthetic"

_LINE = re.compile(r"^PPU (\d+): ([^()]+?) \(UUID: ([^)]+)\)\s*$")


def parse_ppu_smi(text: str) -> HealthReport:
    report = HealthReport("ppu-smi", "ppu-smi -L (synthetic format)", VERSION, devices=None)
    report.info("ppu-smi parser: no public ppu-smi output exists; tested on synthetic fixtures only")
    lines = [ln.strip() for ln in clean(text).splitlines() if ln.strip()]
    devices: list[Device] = []
    for line in lines:
        if m := _LINE.match(line):
            devices.append(Device(m.group(1), m.group(2)))
        elif re.search(r"error|fail|not found|cannot|unable", line, re.I):
            device = re.search(r"device (\d+)", line)
            report.fail("ppu-smi reports an error", Action.REBOOT, line, f"PPU {device.group(1)}" if device else None)
        else:
            report.unknown("a line that is not a ppu-smi -L device line: truncated or foreign output", line)
    if devices:
        report.devices = devices
        indexes = sorted(int(d.index) for d in devices)
        for gap in sorted(set(range(indexes[-1] + 1)) - set(indexes)):
            report.fail("PPU missing from the list", Action.REBOOT, f"PPU {gap} not listed", f"PPU {gap}")
    elif not report.has_fault():
        report.unknown("no PPU line in the output")
    for line in elided_lines(lines):
        report.unknown("elided output", line)
    return report
