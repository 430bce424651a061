"""Reading captured tool text: terminal escapes, elision marks, numbers, and the tool-level
errors that several parsers share (they mean the driver or its management library is broken)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from regionkit.health.model import Action, HealthReport

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# An author's or a collector's elision: a line that is only "...", "[...]" or "…".
_ELIDED = re.compile(r"^\s*(?:\[\s*(?:\.{3}|…)\s*\]|\.{3,}|…)\s*$")


def clean(text: str) -> str:
    """The text without terminal escapes and carriage returns (nvidia-smi topo underlines its
    header even into a pipe)."""
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def is_elided(line: str) -> bool:
    return bool(_ELIDED.match(line))


def elided_lines(lines: Iterable[str]) -> list[str]:
    return [ln for ln in lines if is_elided(ln)]


def to_int(value: str) -> int | None:
    value = value.strip()
    return int(value) if re.fullmatch(r"\d+", value) else None


def to_float(value: str) -> float | None:
    try:
        return float(value.strip().rstrip("*"))
    except ValueError:
        return None


def json_number(value: object) -> float | None:
    """A JSON number as nccl-tests writes it (a number, or a number in a string); None for anything
    else (null, true, text, a list, NaN or infinity), which proves nothing."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def flag(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("enabled", "on", "yes", "true", "active"):
        return True
    if v in ("disabled", "off", "no", "false", "not active"):
        return False
    return None


ToolErrors = list[tuple[re.Pattern[str], str, Action]]


def scan_errors(report: HealthReport, text: str, table: ToolErrors, *, first_only: bool = False) -> None:
    """Record every (or only the first) tool-level error of ``table`` the text shows, as a fault."""
    for pattern, what, action in table:
        if m := pattern.search(text):
            report.fail(what, action, m.group(0))
            if first_only:
                return


# NVML and nvidia-smi's own words for a broken stack. Each (pattern, diagnosis, action).
NVML_ERRORS: ToolErrors = [
    (
        re.compile(r"Failed to initialize NVML: Driver/library version mismatch", re.I),
        "driver/library version mismatch: the loaded kernel module is not the installed driver",
        Action.REBOOT,
    ),
    (re.compile(r"Failed to initialize NVML: .*", re.I), "the NVIDIA management library cannot initialise", Action.REBOOT),
    (
        re.compile(r"NVIDIA-SMI has failed because it couldn.t communicate with the NVIDIA driver", re.I),
        "nvidia-smi cannot reach the NVIDIA driver (not loaded or broken)",
        Action.REBOOT,
    ),
    (re.compile(r"^\s*No devices were found\s*$", re.I | re.M), "no NVIDIA device found", Action.REBOOT),
    (
        re.compile(r"NVML Shared Library Not Found|libnvidia-ml\.so[.\d]*: cannot open", re.I),
        "the NVML library is missing",
        Action.DRAIN,
    ),
    (re.compile(r"nvidia-smi: (?:command )?not found", re.I), "nvidia-smi is not installed", Action.DRAIN),
]

_NO_HANDLE = re.compile(r"Unable to determine the device handle for (?:GPU|gpu) ?(\S+?):? (.+)$", re.M)


def nvml_errors(report: HealthReport, text: str) -> None:
    """Record nvidia-smi's tool-level errors, and every GPU it could not open."""
    scan_errors(report, text, NVML_ERRORS, first_only=True)
    for m in _NO_HANDLE.finditer(text):
        device, reason = m.group(1).rstrip(":"), m.group(2).strip()
        if "GPU is lost" in reason:
            report.fail("GPU is lost (fallen off the bus)", Action.REBOOT, m.group(0), device)
        elif "reset" in reason.lower():
            report.fail("GPU cannot be opened until it is reset", Action.RESET, m.group(0), device)
        else:
            report.fail("nvidia-smi cannot open the GPU", Action.REBOOT, m.group(0), device)
