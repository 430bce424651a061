"""AMD: ``amd-smi`` (default view and ``--json``), ``rocm-smi`` in every layout from ROCm 2 to
ROCm 7, and ``rocminfo``.

Telemetry that prints ``N/A`` (fans on passive cards, partitions on non-Instinct parts, power
on VFs) is unavailable, not faulty: only a tool error, an uncorrectable ECC count or a device
the runtime cannot open is a fault. rocm-smi's layouts:

- concise, ROCm 1-3: ``GPU  Temp  AvgPwr  SCLK ...`` with rows ``0    31.0c ...``;
- concise, ROCm 5-6: ``Device  [Model : Revision] ...`` with a name line under each row, or
  ``Device  Node  IDs  Temp  Power  Partitions ...`` (also ``amd-smi --rocm-smi``);
- ``-a`` / ``--showall``: ``GPU[n]<tab>: key: value`` lines;
- ``--json``: ``{"card0": {...}, "system": {...}}`` with key spellings that changed case
  (``Card series`` / ``Card Series``, ``Device Name``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import ToolErrors, clean, elided_lines, scan_errors

VERSION = "1.0"

_AMD_SMI_ERRORS: ToolErrors = [
    (
        re.compile(r"AmdSmiLibraryException.*|amdsmi_init.*fail.*|AMDSMI_STATUS_(?:INIT_ERROR|DRIVER_NOT_LOADED|NOT_FOUND)\S*", re.I),
        "the AMD management library cannot initialise",
        Action.REBOOT,
    ),
    (
        re.compile(r"Unable to detect any GPU devices.*|No (?:AMD )?GPUs? (?:devices )?(?:found|detected).*", re.I),
        "no AMD GPU found",
        Action.REBOOT,
    ),
    (
        re.compile(r"amdgpu (?:driver|module) (?:is )?not (?:loaded|initialized).*", re.I),
        "the amdgpu driver is not loaded",
        Action.REBOOT,
    ),
    (re.compile(r"amd-smi: (?:command )?not found", re.I), "amd-smi is not installed", Action.DRAIN),
]
_ROCM_SMI_ERRORS: ToolErrors = [
    (
        re.compile(r"ERROR:root:Driver not initialized.*|Driver not initialized \(amdgpu not found in modules\).*", re.I),
        "the amdgpu driver is not loaded",
        Action.REBOOT,
    ),
    (
        re.compile(
            r"Exception caught: rsmi_init.*|rsmi_init\S* (?:failed|returned).*|RSMI_STATUS_(?:INIT_ERROR|NOT_FOUND|FILE_ERROR)\S*",
            re.I,
        ),
        "the ROCm SMI library cannot initialise",
        Action.REBOOT,
    ),
    (re.compile(r"No AMD GPUs specified.*|WARNING: No AMD GPUs.*", re.I), "no AMD GPU found", Action.REBOOT),
    # "ERROR: GPU[0]: sclk clock is unsupported" is telemetry the part lacks (see _ROCM_SMI_UNSUPPORTED)
    (
        re.compile(r"^ERROR: GPU\[\d+\](?!.*\b(?:unsupported|not supported)\b).*", re.I | re.M),
        "rocm-smi reports an error on a GPU",
        Action.DRAIN,
    ),
    (re.compile(r"rocm-smi: (?:command )?not found", re.I), "rocm-smi is not installed", Action.DRAIN),
]


# Telemetry a part does not offer (an APU's power, a consumer card's sclk): worth seeing, not a fault.
_ROCM_SMI_UNSUPPORTED = re.compile(
    r"^ERROR: GPU\[\d+\].*\b(?:unsupported|not supported)\b.*|^Exception caught: (?!rsmi_init).*", re.I | re.M
)


def _uec(report: HealthReport, device: str, value: Any, seen: str) -> None:
    if isinstance(value, dict):
        value = value.get("value")
    count = int(value) if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()) else 0
    if count:
        report.fail(f"{count} uncorrectable ECC error(s)", Action.RESET, seen, device)


# --- amd-smi -----------------------------------------------------------------------------------

_AMD_ROW1 = re.compile(r"^\|\s*([0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d)\s+(.*?)\s*\|\s*(.*?)\s*\|\s*$")
_AMD_RIGHT = re.compile(r"^(N/A|\d+\s*%)\s+(N/A|[\d.]+\s*°?C)\s+(N/A|\d+)\s+(.*)$")
_AMD_ROW2 = re.compile(r"^\|\s*(\d+)\s+(\S+)\s+(\S+)\s+(.*?)\s*\|")


def parse_amd_smi(text: str) -> HealthReport:
    """``amd-smi`` (the default view) or ``amd-smi <command> --json``."""
    text = clean(text)
    stripped = text.strip()
    if stripped[:1] in "[{":
        return parse_amd_smi_json(stripped)
    report = HealthReport("amd-smi", "amd-smi (default view)", VERSION, devices=None)
    scan_errors(report, text, _AMD_SMI_ERRORS)
    if "AmdSmiInvalid" in text and not report.findings:
        report.unknown(
            "amd-smi rejected the command line: nothing was measured", next(ln for ln in text.splitlines() if "AmdSmiInvalid" in ln)
        )
    banner = "AMD-SMI" in text
    devices: list[Device] = []
    waiting: Device | None = None
    closed = True  # the table closes with "+---"; "|---" only separates two GPUs
    for line in text.splitlines():
        s = line.rstrip()
        if "Processes:" in s:
            break
        if s.startswith("+-") and not waiting:
            closed = True
            continue
        if m := _AMD_ROW1.match(s):
            if waiting:
                report.unknown("a GPU row is missing its second line: truncated", waiting.bus_id)
            bdf, name, right = m.groups()
            waiting = Device(str(len(devices)), name, bdf)
            devices.append(waiting)
            r = _AMD_RIGHT.match(right)
            if r:
                _uec(report, bdf, r.group(3), s)
            else:
                report.unknown("the GPU row's figures cannot be read", s, bdf)
            closed = False
        elif waiting and (m2 := _AMD_ROW2.match(s)):
            waiting.index = m2.group(1)
            waiting = None
    if waiting:
        report.unknown("the last GPU row has no second line: truncated output", waiting.bus_id)
    elif devices and not closed:
        report.unknown("the GPU table is not closed: truncated output", devices[-1].bus_id)
    if len(re.findall(r"^\| AMD-SMI ", text, re.M)) > 1:
        report.unknown("more than one amd-smi output in the capture: outputs run together")
    if not devices and (blocks := _GPU_BLOCK.findall(text)):
        return _amd_smi_blocks(report, text, blocks)
    if devices:
        report.devices = devices
        if not banner:
            report.unknown("no AMD-SMI header: an excerpt, not a whole amd-smi output")
    elif not report.findings:
        report.unknown("no GPU row in the output" if banner else "not amd-smi output")
    for line in elided_lines(text.splitlines()):
        report.unknown("elided output: not a whole table", line)
    return report


_GPU_BLOCK = re.compile(r"^GPU: (\d+)\s*$", re.M)
_UNCORRECTABLE = re.compile(r"^\s*(\w*UNCORRECTABLE\w*): (\d+)\s*$", re.M | re.I)


def _amd_smi_blocks(report: HealthReport, text: str, blocks: list[str]) -> HealthReport:
    """``amd-smi list|static|metric`` as text: one ``GPU: n`` block per device."""
    report.parser = "amd-smi (GPU blocks)"
    report.devices = [Device(index) for index in dict.fromkeys(blocks)]
    parts = _GPU_BLOCK.split(text)[1:]
    for index, body in zip(parts[::2], parts[1::2], strict=False):
        for key, value in _UNCORRECTABLE.findall(body):
            if "DEFERRED" not in key.upper():
                _uec(report, index, value, f"GPU {index}: {key}: {value}")
    return report


def parse_amd_smi_json(text: str) -> HealthReport:
    """``amd-smi list|static|metric --json``: a list of GPU objects (amd-smi 24) or
    ``{"gpu_data": [...]}`` (amd-smi 25 and later)."""
    report = HealthReport("amd-smi", "amd-smi --json", VERSION, devices=None)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a cut document, or nesting deeper than the stack
        report.unknown(f"not a whole JSON document: {exc}")
        return report
    gpus = data.get("gpu_data") if isinstance(data, dict) else data
    if isinstance(data, dict) and gpus is None and "gpu" in data:
        gpus = [data]
    if not isinstance(gpus, list):
        report.unknown("no GPU list in the JSON (expected a list or gpu_data)")
        return report
    seen: dict[str, Device] = {}
    for gpu in gpus:
        if not isinstance(gpu, dict) or "gpu" not in gpu:
            continue
        index = str(gpu["gpu"])
        asic: dict[str, Any] = gpu["asic"] if isinstance(gpu.get("asic"), dict) else {}
        bus: dict[str, Any] = gpu["bus"] if isinstance(gpu.get("bus"), dict) else {}
        name = str(asic.get("market_name") or gpu.get("market_name") or gpu.get("name") or "")
        seen.setdefault(index, Device(index, "" if name == "N/A" else name, str(bus.get("bdf") or gpu.get("bdf") or "")))
        for key, value in _walk(gpu):
            if "uncorrectable" in key.lower() and "deferred" not in key.lower():
                _uec(report, index, value, f"{key}={value}")
    report.devices = list(seen.values())
    if not report.devices:
        report.fail("amd-smi lists no GPU", Action.REBOOT, text[:80])
    return report


def _walk(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(obj, dict):
        if set(obj) >= {"value"} and not any(isinstance(v, dict | list) for v in obj.values()):
            return [(prefix, obj)]
        for k, v in obj.items():
            out += _walk(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for n, v in enumerate(obj):
            out += _walk(v, f"{prefix}[{n}]")
    else:
        out.append((prefix, obj))
    return out


# --- rocm-smi ----------------------------------------------------------------------------------

_SHOWALL = re.compile(r"^GPU\[(\d+)\]\s*:\s*(.*)$", re.M)


def parse_rocm_smi(text: str) -> HealthReport:
    """``rocm-smi`` in any layout it has printed (see the module docstring)."""
    text = clean(text)
    stripped = text.strip()
    report = HealthReport("rocm-smi", "rocm-smi", VERSION, devices=None)
    if stripped[:1] == "{":
        return _rocm_smi_json(report, stripped)
    scan_errors(report, text, _ROCM_SMI_ERRORS)
    for m in _ROCM_SMI_UNSUPPORTED.finditer(text):
        report.warn("rocm-smi could not read some telemetry (unsupported on this part)", Action.NONE, m.group(0))
    ended = "End of ROCm SMI Log" in text
    if text.count("End of ROCm SMI Log") > 1:
        report.unknown("more than one rocm-smi output in the capture: outputs run together")
    if _SHOWALL.search(text):
        cards: dict[str, Device] = {}
        for index, rest in _SHOWALL.findall(text):
            device = cards.setdefault(index, Device(index))
            key, _, value = rest.partition(":")
            if key.strip().lower() in ("card series", "card model", "device name", "card sku") and value.strip() and not device.name:
                device.name = value.strip()
            if re.search(r"uncorrectable", key, re.I) and value.strip().isdigit():
                _uec(report, f"GPU[{index}]", value.strip(), f"GPU[{index}] : {rest}")
        report.devices = [cards[k] for k in sorted(cards, key=int)]
    else:
        report.devices = _concise_rows(text) if "ROCm System Management Interface" in text or ended else []
        if not report.devices and "ROCm System Management Interface" not in text and not report.findings:
            report.unknown("no ROCm SMI banner: not rocm-smi output")
            report.devices = None
            return report
    if not ended and not report.has_fault():
        report.unknown("no 'End of ROCm SMI Log': truncated output")
    if report.devices == [] and not report.findings:
        report.unknown("no GPU row in the output")
    for line in elided_lines(text.splitlines()):
        report.unknown("elided output: not a whole table", line)
    return report


def _concise_rows(text: str) -> list[Device]:
    """Rows of the concise table: they start with the device index, under a header that starts
    with GPU or Device; name lines (ROCm 6) are indented and carry no index."""
    devices: list[Device] = []
    in_table = False
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if re.match(r"^\s*(GPU|Device)\s{2,}", line):
            in_table = True
            continue
        if not in_table:
            continue
        if "End of ROCm SMI Log" in line:
            break
        if m := re.match(r"^\s*(\d+)\s{2,}\S", line):
            name = ""
            if n + 1 < len(lines) and re.match(r"^\s{4,}[A-Za-z]", lines[n + 1]) and not re.match(r"^\s*\d", lines[n + 1]):
                name = lines[n + 1].strip()
            devices.append(Device(m.group(1), name))
    return devices


def _rocm_smi_json(report: HealthReport, text: str) -> HealthReport:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a cut document, or nesting deeper than the stack
        report.unknown(f"not a whole JSON document: {exc}")
        return report
    cards = sorted((k for k in data if re.fullmatch(r"card\d+", k, re.I)), key=lambda k: int(k[4:]))
    report.devices = []
    for key in cards:
        card = data[key] if isinstance(data[key], dict) else {}
        lower = {k.lower(): v for k, v in card.items()}
        name = str(lower.get("card series") or lower.get("card sku") or lower.get("device name") or lower.get("card model") or "")
        report.devices.append(Device(key[4:], name))
        for k, v in card.items():
            if "uncorrectable" in k.lower():
                _uec(report, key, v, f"{k}: {v}")
    if not cards:
        report.unknown("no cardN object in the JSON")
    return report


# --- rocminfo ----------------------------------------------------------------------------------

_ROCMINFO_ERRORS: ToolErrors = [
    (re.compile(r"ROCk module is NOT loaded.*", re.I), "the amdgpu/KFD kernel driver is not loaded", Action.REBOOT),
    (re.compile(r"Unable to open /dev/kfd.*", re.I), "the runtime cannot open /dev/kfd", Action.REBOOT),
    (
        re.compile(r"Call returned HSA_STATUS_ERROR\S*.*|hsa api call failure.*|HSA_STATUS_ERROR_\w+", re.I),
        "the HSA runtime failed",
        Action.REBOOT,
    ),
    (re.compile(r"rocminfo: (?:command )?not found", re.I), "rocminfo is not installed", Action.DRAIN),
    (
        re.compile(r"^Segmentation fault[^\n]*|^[^\n]*\(core dumped\)", re.M),
        "rocminfo crashed while opening the runtime",
        Action.DRAIN,
    ),
]


def parse_rocminfo(text: str) -> HealthReport:
    """``rocminfo``: the GPU agents (CPU agents are not devices here)."""
    report = HealthReport("rocminfo", "rocminfo", VERSION, devices=None)
    text = clean(text)
    scan_errors(report, text, _ROCMINFO_ERRORS)
    blocks = re.split(r"^\*{7}\s*\nAgent \d+\s*\n\*{7}\s*$", text, flags=re.M)
    if len(blocks) < 2:
        if not report.findings:
            report.unknown("no HSA agent in the output")
        return report
    report.devices = []
    for block in blocks[1:]:
        if re.search(r"^\s*Device Type:\s+GPU\s*$", block, re.M):
            name = re.search(r"^\s*Marketing Name:\s+(.+?)\s*$", block, re.M)
            report.devices.append(Device(str(len(report.devices)), name.group(1) if name else ""))
    if not report.devices and not report.findings:
        report.fail("the HSA runtime sees no GPU agent", Action.REBOOT)
    if text.count("*** Done ***") > 1:
        report.unknown("more than one rocminfo output in the capture: outputs run together")
    if "*** Done ***" not in text and not report.has_fault():
        report.unknown("no '*** Done ***' line: truncated output")
    return report
