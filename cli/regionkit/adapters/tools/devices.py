"""Parsers for the vendors' device tools, as L2 (devices) and drift's health layer use them.

Each parser turns one tool output into a DeviceReport, and each report is classified:

- ``pass``: a complete output of that tool, reporting no fault;
- ``fail``: the tool reports a fault: a device it cannot reach, uncorrectable ECC errors, rows
  waiting for remapping, an unhealthy NPU, a failed DCGM test, an Xid or a GPU off the bus;
- ``wrong-data``: the text cannot be trusted as that tool's report: empty, another tool's
  output, elided (``[...]``), truncated, or contradicting itself (fewer devices than it
  says are attached).

A fault dominates: an excerpt that shows an uncorrectable error is a ``fail``. Policy (the
pool's device count, its model, persistence mode, NVLink) is separate: ``DeviceReport.check``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["pass", "fail", "wrong-data"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NO_HANDLE = re.compile(r"Unable to determine the device handle for GPU ?(\S+?):? .*", re.I)
_ELIDED = re.compile(r"^\s*\[\.\.\.\]\s*$", re.M)
_NA = {"", "n/a", "[n/a]", "not supported", "[not supported]", "none"}


@dataclass
class Device:
    index: int
    name: str = ""
    bus_id: str = ""
    persistence: bool | None = None
    ecc_uncorrected: int | None = None
    remap_pending: bool | None = None
    health: str = ""


@dataclass
class DeviceReport:
    tool: str
    devices: list[Device] = field(default_factory=list)
    attached: int | None = None  # the count the tool itself states, where it states one
    faults: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # topo: GPU pair -> link
    needs_devices: bool = True

    @property
    def verdict(self) -> Verdict:
        if self.faults:
            return "fail"
        if self.malformed or (self.needs_devices and not self.devices):
            return "wrong-data"
        return "pass"

    @property
    def reasons(self) -> list[str]:
        if self.faults:
            return self.faults
        if self.malformed:
            return self.malformed
        return ["no device in the output"] if self.needs_devices and not self.devices else []

    def check(
        self, *, count: int | None = None, model: str | None = None, persistence: bool = False, nvlink: bool = False
    ) -> list[str]:
        """The pool's expectations, as problems (empty: the report meets them)."""
        problems = list(self.reasons) if self.verdict != "pass" else []
        if count is not None and len(self.devices) != count:
            problems.append(f"{self.tool}: {len(self.devices)} devices visible, the pool expects {count}")
        if model:
            wrong = [d for d in self.devices if d.name and not model_matches(model, d.name)]
            problems += [f"{self.tool}: device {d.index} is {d.name!r}, the pool expects {model}" for d in wrong]
        if persistence:
            off = [str(d.index) for d in self.devices if d.persistence is False]
            if off:
                problems.append(f"{self.tool}: persistence mode is off on device(s) {', '.join(off)}")
        if nvlink:
            slow = sorted(f"GPU{a}-GPU{b}:{link}" for (a, b), link in self.links.items() if a < b and not link.startswith("NV"))
            if slow:
                problems.append(f"{self.tool}: GPU pairs without NVLink: {', '.join(slow)}")
        return problems


def model_matches(expected: str, name: str) -> bool:
    """'H100' in 'NVIDIA H100 80GB HBM3', 'Ascend-910B' in '910B2C', 'MI300X' in 'AMD Instinct MI300X VF'."""
    token = re.sub(r"^(ascend|nvidia|amd|instinct|t-head|thead)[-\s]+", "", expected.strip(), flags=re.I)
    return token.upper().replace(" ", "") in name.upper().replace(" ", "")


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def _flag(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("enabled", "on", "yes", "true"):
        return True
    if v in ("disabled", "off", "no", "false"):
        return False
    return None


def _common(report: DeviceReport, text: str) -> None:
    for m in _NO_HANDLE.finditer(text):
        report.faults.append(f"unreachable GPU {m.group(1)}: {m.group(0).strip()}")
    if _ELIDED.search(text):
        report.malformed.append("elided output ([...]): not a whole report")
    if not text.strip():
        report.malformed.append("empty output")


def _device_faults(report: DeviceReport) -> None:
    for d in report.devices:
        if d.ecc_uncorrected:
            report.faults.append(f"device {d.index}: {d.ecc_uncorrected} uncorrectable ECC errors (volatile)")
        if d.remap_pending:
            report.faults.append(f"device {d.index}: row remapping pending (reset the GPU)")
    if report.attached is not None and len(report.devices) < report.attached and not report.faults:
        report.malformed.append(f"{report.attached} devices attached but {len(report.devices)} described")


# --- NVIDIA -----------------------------------------------------------------------------------


def parse_nvidia_smi_csv(text: str) -> DeviceReport:
    """`nvidia-smi --query-gpu=... --format=csv` (with its header row)."""
    report = DeviceReport("nvidia-smi --query-gpu")
    _common(report, text)
    lines = [ln for ln in text.splitlines() if ln.strip() and not _NO_HANDLE.search(ln)]
    if not lines or "," not in lines[0] or not re.match(r"^[a-z_.]+( \[[^]]+\])?(, |$)", lines[0]):
        report.malformed.append("no CSV header row (use --format=csv, not noheader)")
        return report
    rows = list(csv.reader(io.StringIO("\n".join(lines)), skipinitialspace=True))
    header = [re.sub(r" \[.*\]$", "", h.strip()) for h in rows[0]]
    for n, row in enumerate(rows[1:]):
        if len(row) != len(header):
            report.malformed.append(f"row {n + 1} has {len(row)} cells, the header {len(header)}")
            continue
        cell = dict(zip(header, (c.strip() for c in row), strict=True))
        pending = [cell.get(k, "") for k in ("remapped_rows.pending", "retired_pages.pending")]
        index = _int(cell.get("index", ""))
        report.devices.append(
            Device(
                index=n if index is None else index,
                name=cell.get("name", ""),
                bus_id=cell.get("pci.bus_id", ""),
                persistence=_flag(cell.get("persistence_mode", "")),
                ecc_uncorrected=_int(cell.get("ecc.errors.uncorrected.volatile.total", "")),
                remap_pending=any(_flag(p) for p in pending),
            )
        )
    _device_faults(report)
    return report


def parse_nvidia_smi_q(text: str) -> DeviceReport:
    """`nvidia-smi -q`: indented sections of `key : value` lines, one `GPU <bus id>` block each."""
    report = DeviceReport("nvidia-smi -q")
    _common(report, text)
    stack: list[tuple[int, str]] = []
    current: Device | None = None
    for raw in text.splitlines():
        if not raw.strip() or _ELIDED.match(raw):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        if m := re.match(r"^GPU ([0-9A-Fa-f:.]+)$", line):
            current = Device(len(report.devices), bus_id=m.group(1))
            report.devices.append(current)
            stack = []
            continue
        key, sep, value = (part.strip() for part in line.partition(":"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not sep or (not value and not key.startswith("MIG")):
            stack.append((indent, key))
            continue
        if key == "Attached GPUs":
            report.attached = _int(value)
            continue
        if current is None and indent == 0:  # the header: Timestamp, Driver Version, ...
            continue
        if current is None:  # an excerpt that starts inside a GPU block
            current = Device(0)
            report.devices.append(current)
        path = [k for _, k in stack]
        if key == "Product Name":
            current.name = value
        elif key == "Persistence Mode":
            current.persistence = _flag(value)
        elif "ECC Errors" in path and "Volatile" in path and "Uncorrectable" in key and value.isdigit():
            current.ecc_uncorrected = (current.ecc_uncorrected or 0) + int(value)
        elif path[-1:] == ["Remapped Rows"] and key == "Pending":
            current.remap_pending = _flag(value)
        elif path[-1:] == ["Retired Pages"] and key in ("Pending Page Blacklist", "Pending Page Retirement") and _flag(value):
            current.remap_pending = True
        elif path[-1:] == ["Fabric"] and key == "Status" and value not in ("Success", "N/A"):
            report.faults.append(f"device {current.index}: NVLink fabric status {value}")
    if not report.devices and not report.faults:
        report.malformed.append("no GPU block in the output")
    _device_faults(report)
    return report


def parse_nvidia_smi_xml(text: str) -> DeviceReport:
    """`nvidia-smi -q -x` (the DTD v11/v12 layouts)."""
    report = DeviceReport("nvidia-smi -q -x")
    _common(report, text)
    try:
        root = ET.fromstring(text.encode())
    except ET.ParseError as exc:
        report.malformed.append(f"not XML: {exc}")
        return report
    if root.tag != "nvidia_smi_log":
        report.malformed.append(f"root element is <{root.tag}>, not <nvidia_smi_log>")
        return report
    report.attached = _int(root.findtext("attached_gpus", ""))
    for n, gpu in enumerate(root.findall("gpu")):
        ecc = 0
        for element in gpu.findall("ecc_errors/volatile//*"):
            if "uncorrectable" in element.tag or element.tag == "double_bit":
                ecc += _int(element.findtext("total", "") or (element.text or "")) or 0
        pending = gpu.findtext("remapped_rows/remapped_row_pending", "") or gpu.findtext("retired_pages/pending_retirement", "")
        report.devices.append(
            Device(
                index=_int(gpu.findtext("minor_number", "")) or n,
                name=gpu.findtext("product_name", ""),
                bus_id=gpu.get("id", ""),
                persistence=_flag(gpu.findtext("persistence_mode", "")),
                ecc_uncorrected=ecc,
                remap_pending=_flag(pending),
            )
        )
        status = gpu.findtext("fabric/status", "N/A")
        if status not in ("Success", "N/A"):
            report.faults.append(f"device {n}: NVLink fabric status {status}")
    _device_faults(report)
    return report


_TABLE_ROW = re.compile(r"^\|\s+(\d+)\s+(.+?)\s+(On|Off)\s+\|\s+(\S+)\s+(?:On|Off)\s+\|\s+(\S+)\s+\|$")


def parse_nvidia_smi_table(text: str) -> DeviceReport:
    """Plain `nvidia-smi`: the GPU table (first row of each GPU's box)."""
    report = DeviceReport("nvidia-smi")
    _common(report, text)
    if "NVIDIA-SMI" not in text:
        report.malformed.append("no NVIDIA-SMI banner")
    for line in text.splitlines():
        if m := _TABLE_ROW.match(line.rstrip()):
            index, name, persistence, bus, ecc = m.groups()
            report.devices.append(Device(int(index), name, bus, persistence == "On", _int(ecc)))
    indexes = [d.index for d in report.devices]
    missing = sorted(set(range(max(indexes, default=-1) + 1)) - set(indexes))
    if missing and not report.faults:
        report.faults.append(f"GPU index(es) {missing} missing from the table")
    _device_faults(report)
    return report


def parse_nvidia_topo(text: str) -> DeviceReport:
    """`nvidia-smi topo -m`: the GPU x GPU part of the matrix (ANSI underline escapes allowed)."""
    report = DeviceReport("nvidia-smi topo -m")
    _common(report, text)
    lines = [_ANSI.sub("", ln) for ln in text.splitlines()]
    header = next((ln.split("\t")[1:] for ln in lines if ln.startswith("\t") and "GPU0" in ln), None)
    if header is None:
        report.malformed.append("no topology header row")
        return report
    columns = [c.strip() for c in header]
    gpus = [c for c in columns if re.fullmatch(r"GPU\d+", c)]
    for line in lines:
        cells = line.split("\t")
        if not re.fullmatch(r"GPU\d+", cells[0].strip()):
            continue
        a = int(cells[0].strip()[3:])
        report.devices.append(Device(a))
        if len(cells) - 1 < len(gpus):
            report.malformed.append(f"{cells[0]}: {len(cells) - 1} cells for {len(gpus)} GPUs")
            continue
        for name, cell in zip(columns, cells[1:], strict=False):
            if re.fullmatch(r"GPU\d+", name) and int(name[3:]) != a:
                report.links[(a, int(name[3:]))] = cell.strip()
    if len(report.devices) != len(gpus):
        report.malformed.append(f"{len(gpus)} GPU columns but {len(report.devices)} GPU rows")
    return report


def parse_kernel_log(text: str) -> DeviceReport:
    """NVRM lines of the kernel log: Xid events and GPUs fallen off the bus."""
    report = DeviceReport("kernel log", needs_devices=False)
    joined = re.sub(r"\n\s+NVRM: ", " ", text)
    for m in re.finditer(r"NVRM: Xid \(PCI:([^)]+)\): (\d+),[^\n]*", joined):
        report.faults.append(f"Xid {m.group(2)} on {m.group(1)}: {m.group(0).strip()}")
    for m in re.finditer(r"NVRM: The NVIDIA GPU (\S+)[^\n]*fallen off the bus", joined):
        report.faults.append(f"GPU {m.group(1)} has fallen off the bus")
    return report


_DCGM_ROW = re.compile(r"^\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|$")


def parse_dcgmi_diag(text: str) -> DeviceReport:
    """`dcgmi diag -r N`: every Fail result and every Error row is a fault; Skip is not a pass."""
    report = DeviceReport("dcgmi diag", needs_devices=False)
    _common(report, text)
    test, tests = "", 0
    for line in text.splitlines():
        m = _DCGM_ROW.match(line.strip())
        if not m:
            continue
        name, result = m.groups()
        if name in ("Diagnostic",) or name.startswith("-"):
            continue
        if name == "GPU Device IDs Detected":
            report.devices = [Device(i, name=dev) for i, dev in enumerate(result.split(","))]
            continue
        if name and name not in ("Info", "Warning", "Error"):
            test = name
        if re.match(r"^(Pass|Fail|Skip|Warn)\b", result):
            tests += 1
        if result.startswith("Fail"):
            report.faults.append(f"{test}: {result}")
        elif name == "Error":
            report.faults.append(f"{test or 'dcgmi'}: {result}")
    if not tests and not report.faults:
        report.malformed.append("no diagnostic result rows")
    return report


# --- Huawei Ascend ----------------------------------------------------------------------------


def parse_npu_smi_info(text: str) -> DeviceReport:
    """`npu-smi info`: the device table (two rows per NPU); Health other than OK is a fault."""
    report = DeviceReport("npu-smi info")
    _common(report, text)
    if not re.search(r"\|\s*npu-smi \S+\s+Version:", text):
        report.malformed.append("no npu-smi banner")
    pending: Device | None = None
    for line in text.splitlines():
        if "Process id" in line:
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        if m := re.fullmatch(r"(\d+)\s+(\S+)", cells[0]):
            pending = Device(int(m.group(1)), name=m.group(2), health=cells[1])
            report.devices.append(pending)
        elif pending and re.fullmatch(r"\d+", cells[0]) and re.fullmatch(r"[0-9A-Fa-f:.]+", cells[1]):
            pending.bus_id = cells[1]
            pending = None
    for d in report.devices:
        if d.health.upper() != "OK":
            report.faults.append(f"NPU {d.index}: health {d.health}")
    if report.devices and report.devices[-1].bus_id == "":
        report.malformed.append(f"NPU {report.devices[-1].index}: truncated (no chip/bus row)")
    return report


# --- AMD --------------------------------------------------------------------------------------


def parse_amd_smi(text: str) -> DeviceReport:
    """Default `amd-smi` output: one box per GPU, UEC = uncorrectable ECC count."""
    report = DeviceReport("amd-smi")
    _common(report, text)
    if "AMD-SMI" not in text:
        report.malformed.append("no AMD-SMI banner")
    rows = re.findall(r"^\| ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d)\s+(.+?) \|\s*\S+ %\s+\S+ °C\s+(\S+)", text, re.M)
    for n, (bdf, name, uec) in enumerate(rows):
        report.devices.append(Device(n, name=name.strip(), bus_id=bdf, ecc_uncorrected=_int(uec)))
    _device_faults(report)
    return report


def parse_rocm_smi(text: str) -> DeviceReport:
    """`rocm-smi` in any of its three shapes: the concise table, `-a` (GPU[n] lines), `--json`."""
    report = DeviceReport("rocm-smi")
    _common(report, text)
    if text.lstrip().startswith("{"):
        return _rocm_smi_json(report, text)
    if re.search(r"^GPU\[\d+\]", text, re.M):
        found: dict[int, Device] = {}
        for idx, key, value in re.findall(r"^GPU\[(\d+)\]\s*: ([^:\n]+?):\s*(.*)$", text, re.M):
            device = found.setdefault(int(idx), Device(int(idx)))
            if key.strip() == "Card series":
                device.name = value.strip()
            elif "uncorrectable" in key.lower() and value.strip().isdigit():
                device.ecc_uncorrected = (device.ecc_uncorrected or 0) + int(value)
        report.devices = [found[k] for k in sorted(found)]
    else:
        if "ROCm System Management Interface" not in text:
            report.malformed.append("no ROCm SMI banner")
        lines = text.splitlines()
        for n, line in enumerate(lines):
            if m := re.match(r"^(\d+)\s+\[(0x[0-9a-f]+) : 0x[0-9a-f]+\]", line):
                name = lines[n + 1].strip() if n + 1 < len(lines) and lines[n + 1].startswith(" ") else m.group(2)
                report.devices.append(Device(int(m.group(1)), name=name))
    if "End of ROCm SMI Log" not in text:
        report.malformed.append("no 'End of ROCm SMI Log': truncated output")
    _device_faults(report)
    return report


def _rocm_smi_json(report: DeviceReport, text: str) -> DeviceReport:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.malformed.append(f"not JSON: {exc}")
        return report
    for key in sorted((k for k in data if re.fullmatch(r"card\d+", k)), key=lambda k: int(k[4:])):
        card = data[key]
        ecc = sum(int(v) for k, v in card.items() if "uncorrectable" in k.lower() and str(v).isdigit())
        report.devices.append(Device(int(key[4:]), name=card.get("Card series", ""), ecc_uncorrected=ecc))
    _device_faults(report)
    return report


def parse_rocminfo(text: str) -> DeviceReport:
    """`rocminfo`: the GPU agents (CPU agents are not devices here)."""
    report = DeviceReport("rocminfo")
    _common(report, text)
    if "HSA System Attributes" not in text and "HSA Agents" not in text:
        report.malformed.append("no HSA sections")
    for block in re.split(r"^\*{7}\s*\nAgent \d+\s*\n\*{7}\s*$", text, flags=re.M)[1:]:
        if re.search(r"^\s*Device Type:\s+GPU\s*$", block, re.M):
            name = re.search(r"^\s*Marketing Name:\s+(.+?)\s*$", block, re.M)
            report.devices.append(Device(len(report.devices), name=name.group(1) if name else ""))
    return report


# --- T-Head -----------------------------------------------------------------------------------


def parse_ppu_smi_list(text: str) -> DeviceReport:
    """`ppu-smi -L`: one `PPU n: <name> (UUID: ...)` line per device, as the vendor documents the
    command (modelled on `nvidia-smi -L`). No real output is public: see the fixtures' README."""
    report = DeviceReport("ppu-smi -L")
    _common(report, text)
    for line in text.splitlines():
        if m := re.match(r"^PPU (\d+): (.+?) \(UUID: ([^)]+)\)\s*$", line.strip()):
            report.devices.append(Device(int(m.group(1)), name=m.group(2)))
        elif line.strip() and "error" in line.lower():
            report.faults.append(line.strip())
        elif line.strip():
            report.malformed.append(f"unexpected line: {line.strip()[:80]}")
    return report


PARSERS = {
    "nvidia-smi-csv": parse_nvidia_smi_csv,
    "nvidia-smi-q": parse_nvidia_smi_q,
    "nvidia-smi-xml": parse_nvidia_smi_xml,
    "nvidia-smi": parse_nvidia_smi_table,
    "nvidia-topo": parse_nvidia_topo,
    "kernel-log": parse_kernel_log,
    "dcgmi-diag": parse_dcgmi_diag,
    "npu-smi": parse_npu_smi_info,
    "amd-smi": parse_amd_smi,
    "rocm-smi": parse_rocm_smi,
    "rocminfo": parse_rocminfo,
    "ppu-smi": parse_ppu_smi_list,
}
