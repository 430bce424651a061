"""nvidia-smi in its five shapes: the default table, ``--query-gpu ... --format=csv``, ``-q``,
``-q -x`` (XML) and ``topo -m``.

The table's layout changed with driver branches (470: ``Persistence-M|`` columns 31 wide and
a third ``MIG M.`` row from 450 on; 530+: 41-wide columns; 610: ``KMD Version``), so rows are
read by their cells, not by column offsets. A GPU's box spans two or three lines and a fault
can sit in any of them (``ERR!`` in the fan, power or ECC cell). Boxes posted without the
banner are an excerpt: read for faults, never a pass, and no device count.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import clean, elided_lines, flag, nvml_errors, to_int

VERSION = "1.0"

# Cells of --query-gpu that mean the value could not be read because the GPU is broken.
_BAD_CELL = re.compile(r"^\[?(Unknown Error|GPU is lost|GPU requires reset|Error[^\]]*)\]?$", re.I)


def _fault_counters(report: HealthReport, device: str, ecc: int | None, pending: bool | None, failed: bool | None) -> None:
    if ecc:
        report.fail(f"{ecc} uncorrectable ECC error(s) since the driver loaded", Action.RESET, f"volatile uncorrectable {ecc}", device)
    if pending:
        report.fail("row remapping (or page retirement) pending: takes effect at the next reset", Action.RESET, "pending: yes", device)
    if failed:
        report.fail("row remapping failed: the memory has no spare rows left", Action.REPLACE, "remapping failure: yes", device)


def _recovery_action(report: HealthReport, device: str, value: str) -> None:
    """The driver's own GPU Recovery Action (R550+): None, Reset, Reboot, Drain P2P, Drain and Reset."""
    v = value.strip().lower()
    if v in ("", "none", "n/a"):
        return
    action = Action.REBOOT if "reboot" in v else Action.DRAIN if v == "drain p2p" else Action.RESET
    report.fail(f"the driver asks for recovery: {value.strip()}", action, f"GPU Recovery Action: {value.strip()}", device)


# --- the default table -------------------------------------------------------------------------

_BANNER = re.compile(r"NVIDIA-SMI\s+(\S+)\s+(?:Driver|KMD) Version:\s*(\S+)")
_BOX_FIRST = re.compile(
    r"^\|\s*(\d+)\s+(.+?)\s+(On|Off|N/A|TCC|WDDM)\s*\|\s*([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d)\s+(\S+)\s*\|\s*(.*?)\s*\|\s*$"
)


def parse_table(text: str) -> HealthReport:
    """Plain ``nvidia-smi``."""
    report = HealthReport("nvidia-smi", "nvidia-smi table", VERSION, devices=[])
    text = clean(text)
    nvml_errors(report, text)
    lines = text.splitlines()
    banners = [i for i, ln in enumerate(lines) if _BANNER.search(ln)]
    banner = banners[0] if banners else None
    sep = next((i for i in range(banner + 1, len(lines)) if lines[i].startswith("|=")), None) if banner is not None else None
    # Without a banner the capture is an excerpt (a poster's few boxes): read its boxes for
    # faults, but it shows no device count and no missing GPU can be told from it.
    excerpt = sep is None and any(_BOX_FIRST.match(ln.rstrip()) for ln in lines)
    boxes: list[tuple[Device, list[str]]] = []
    closed = False
    body = lines[sep + 1 :] if sep is not None else lines if excerpt else []
    for s in (ln.rstrip() for ln in body):
        if excerpt and not s.startswith(("|", "+")):
            continue
        if not s or s[0] not in "|+" or "MIG devices:" in s or "Processes:" in s:
            closed = True
            break
        if m := _BOX_FIRST.match(s):
            index, name, persistence, bus, _disp, ecc = m.groups()
            boxes.append((Device(index, name.strip(), bus, {"On": True, "Off": False}.get(persistence)), [s]))
            _ecc_cell(report, index, ecc)
        elif boxes and s.startswith("|") and not s.startswith("|="):
            boxes[-1][1].append(s)
    else:
        # closed by a whole border: as wide as the banner's box (a cut border is narrower)
        last = lines[-1].rstrip() if lines else ""
        closed = sep is not None and last.startswith("+") and len(last) >= len(lines[banner or 0].rstrip())
    report.devices = [d for d, _ in boxes]
    for device, rows in boxes:
        bad = [r for r in rows if "ERR!" in r or "Unknown Error" in r or "GPU is lost" in r]
        if bad:
            report.fail("the GPU reports errors in its own row (ERR!)", Action.REBOOT, bad[0], device.index)
        if len(rows) < 2:
            report.unknown("the GPU's box is cut after its first line", rows[0], device.index)
    indexes = sorted(int(d.index) for d in report.devices)
    missing = sorted(set(range(indexes[-1] + 1)) - set(indexes)) if indexes and not excerpt else []
    for gap in missing:
        report.fail(
            "GPU missing from the table (fell off the bus or failed to initialise)", Action.REBOOT, f"GPU {gap} not listed", str(gap)
        )
    if not report.findings:
        if banner is None:
            report.unknown("no NVIDIA-SMI banner: not an nvidia-smi table")
        elif not boxes:
            report.unknown("no GPU row in the table")
        elif not closed:
            report.unknown("the GPU table is not closed: truncated output")
    if excerpt:
        report.unknown("GPU boxes without the NVIDIA-SMI banner: an excerpt, not a whole table", boxes[0][1][0] if boxes else "")
    if sep is None:
        report.devices = [] if _has_device_count(report) else None
    if len(banners) > 1:
        report.unknown("more than one nvidia-smi table in the capture: two outputs run together", lines[banners[1]])
    for line in elided_lines(lines):
        report.unknown("elided output: not a whole table", line)
    return report


def _has_device_count(report: HealthReport) -> bool:
    """'No devices were found' shows a count (zero); a mismatch or a cut output shows none."""
    return any(f.what == "no NVIDIA device found" for f in report.findings)


def _ecc_cell(report: HealthReport, index: str, cell: str) -> None:
    value = to_int(cell)
    if value:
        report.fail(f"{value} volatile uncorrectable ECC error(s)", Action.RESET, f"Volatile Uncorr. ECC {value}", index)
    elif cell.strip() == "ERR!":
        report.fail("the ECC counter cannot be read (ERR!)", Action.REBOOT, "Volatile Uncorr. ECC ERR!", index)


# --- --query-gpu ... --format=csv -------------------------------------------------------------

_FIELD = re.compile(r"^[a-z_][A-Za-z0-9_.]*(?: \[[^\]]+\])?$")


def parse_csv(text: str) -> HealthReport:
    """``nvidia-smi --query-gpu=... --format=csv`` (the header row names the fields)."""
    report = HealthReport("nvidia-smi-csv", "nvidia-smi --query-gpu csv", VERSION, devices=None)
    text = clean(text)
    nvml_errors(report, text)
    lines = [ln for ln in text.splitlines() if ln.strip() and "Unable to determine the device handle" not in ln]
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), skipinitialspace=True))
    except csv.Error as exc:  # a cell longer than the csv module's field limit: no nvidia-smi output
        report.unknown(f"not CSV output: {exc}")
        return report
    header_at = next((n for n, r in enumerate(rows) if r and all(_FIELD.match(c.strip()) for c in r) and len(r) > 1), None)
    if header_at is None:
        # noheader: the fields cannot be named, but a cell nvidia-smi could not read is a fault
        # whatever its field ("[Unknown Error]" on every cell of a GPU that failed)
        for n, row in enumerate(rows):
            if bad := next((c.strip() for c in row if _BAD_CELL.match(c.strip())), None):
                report.fail(f"row {n + 1}: a value cannot be read: {bad}", Action.REBOOT, ", ".join(row))
        if rows and not report.findings:
            report.unknown("no CSV header row: the fields cannot be named (use --format=csv, not noheader)", lines[0])
        elif not rows and not report.findings:
            report.unknown("empty output")
        return report
    header = [re.sub(r" \[.*\]$", "", h.strip()) for h in rows[header_at]]
    report.devices = []
    if rows[header_at] in rows[header_at + 1 :]:
        report.unknown("the CSV header repeats: two outputs run together", ", ".join(rows[header_at][:3]))
    for n, row in enumerate(r for r in rows[header_at + 1 :] if r != rows[header_at]):
        if len(row) != len(header):
            report.unknown(f"row {n + 1} has {len(row)} cells, the header {len(header)}: truncated", ", ".join(row))
            continue
        cell = dict(zip(header, (c.strip() for c in row), strict=True))
        index = cell.get("index") or str(n)
        report.devices.append(Device(index, cell.get("name", ""), cell.get("pci.bus_id", ""), flag(cell.get("persistence_mode", ""))))
        for key, value in cell.items():
            if _BAD_CELL.match(value):
                report.fail(f"{key} cannot be read: {value}", Action.REBOOT, f"{key}={value}", index)
        pending = any(flag(cell.get(k, "")) for k in ("remapped_rows.pending", "retired_pages.pending"))
        _fault_counters(
            report,
            index,
            to_int(cell.get("ecc.errors.uncorrected.volatile.total", "")),
            pending,
            flag(cell.get("remapped_rows.failure", "")),
        )
        for key in ("clocks_event_reasons.hw_thermal_slowdown", "clocks_throttle_reasons.hw_thermal_slowdown"):
            if flag(cell.get(key, "")):
                report.warn("hardware thermal slowdown is active", Action.DRAIN, f"{key}={cell[key]}", index)
    if not report.devices and not report.findings:
        report.unknown("a header and no GPU row")
    return report


# --- -q ----------------------------------------------------------------------------------------


def parse_q(text: str) -> HealthReport:
    """``nvidia-smi -q``: indented ``key : value`` sections, one ``GPU <bus id>`` block each."""
    report = HealthReport("nvidia-smi-q", "nvidia-smi -q", VERSION, devices=None)
    devices: list[Device] = []
    text = clean(text)
    nvml_errors(report, text)
    lines = text.splitlines()
    attached: int | None = None
    stack: list[tuple[int, str]] = []
    current: Device | None = None
    counters: dict[str, dict[str, int | bool]] = {}
    closed: dict[str, bool] = {}  # a GPU block is whole once its "Processes" entry is printed
    for raw in lines:
        if not raw.strip() or elided_lines([raw]):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        if m := re.match(r"^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d)$", line):
            current = Device(str(len(devices)), bus_id=m.group(1))
            devices.append(current)
            counters[current.index] = {}
            stack = []
            continue
        key, sep, value = (part.strip() for part in line.partition(":"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if current is not None and key == "Processes" and not stack:
            closed[current.index] = True
        if not sep or not value:
            stack.append((indent, key))
            continue
        if key == "Attached GPUs":
            attached = to_int(value)
            continue
        if current is None:
            if indent == 0:
                continue  # the header: Timestamp, Driver Version, CUDA Version
            current = Device("0")  # an excerpt that starts inside a GPU block
            devices.append(current)
            counters[current.index] = {}
        c = counters[current.index]
        path = [k for _, k in stack]
        if key == "Product Name":
            current.name = value
        elif key == "Persistence Mode":
            current.persistence = flag(value)
        elif "Volatile" in path and "ECC Errors" in path and value.isdigit() and _uncorrectable(path, key):
            c["ecc"] = int(c.get("ecc", 0)) + int(value)
        elif path[-1:] == ["Remapped Rows"] and key == "Pending":
            c["pending"] = bool(flag(value)) or bool(c.get("pending"))
        elif path[-1:] == ["Remapped Rows"] and key == "Remapping Failure Occurred":
            c["failed"] = bool(flag(value))
        elif path[-1:] == ["Retired Pages"] and key in ("Pending Page Blacklist", "Pending Page Retirement") and flag(value):
            c["pending"] = True
        elif path[-1:] == ["Fabric"] and key == "Status" and value not in ("Success", "N/A", "Completed"):
            report.fail(f"NVLink fabric status {value}", Action.RESET, f"Fabric Status: {value}", current.index)
        elif key == "GPU Recovery Action":
            _recovery_action(report, current.index, value)
        elif path[-1:] == ["GPU Reset Status"] and key in ("Reset Required", "Drain and Reset Recommended") and flag(value):
            report.fail(f"the driver reports {key.lower()}", Action.RESET, f"{key}: {value}", current.index)
        elif key == "HW Thermal Slowdown" and flag(value):
            report.warn("hardware thermal slowdown is active", Action.DRAIN, f"{key}: {value}", current.index)
        if "Unknown Error" in value or "GPU is lost" in value:
            report.fail(f"{key} cannot be read: {value}", Action.REBOOT, line, current.index)
    for index, c in counters.items():
        _fault_counters(report, index, int(c.get("ecc", 0)) or None, bool(c.get("pending")), bool(c.get("failed")))
    described = len(devices)
    report.devices = devices if devices or attached is not None else None
    if devices and not closed.get(devices[-1].index) and not report.has_fault():
        report.unknown("the last GPU block is cut before its Processes entry: truncated output", f"GPU {devices[-1].index}")
    if len(re.findall(r"^=+NVSMI LOG=+\s*$", text, re.M)) > 1:
        report.unknown("more than one nvidia-smi -q report in the capture: outputs run together")
    if attached is not None and described < attached:
        report.unknown(f"{attached} GPUs attached but {described} described: truncated or trimmed", f"Attached GPUs : {attached}")
    if not described and not report.findings:
        report.unknown("no GPU block in the output")
    for line in elided_lines(lines):
        report.unknown("elided output ([...]): not a whole report", line)
    return report


def _uncorrectable(path: list[str], key: str) -> bool:
    if "Double Bit" in path:
        return key == "Total"  # the DBE total already sums its parts
    return "Uncorrectable" in key or "Uncorrected" in key


# --- -q -x -------------------------------------------------------------------------------------


def parse_xml(text: str) -> HealthReport:
    """``nvidia-smi -q -x`` (DTD v10 to v13)."""
    report = HealthReport("nvidia-smi-xml", "nvidia-smi -q -x", VERSION, devices=None)
    text = clean(text)
    nvml_errors(report, text)
    start = text.find("<")
    try:
        root = ET.fromstring(text[start:].encode()) if start >= 0 else None
    except ET.ParseError as exc:
        root = None
        if not report.findings:
            report.unknown(f"not a whole XML document: {exc}")
    if root is None:
        if not report.findings:
            report.unknown("no XML in the output")
        return report
    if root.tag != "nvidia_smi_log":
        report.unknown(f"root element is <{root.tag}>, not <nvidia_smi_log>")
        return report
    report.devices = []
    for n, gpu in enumerate(root.findall("gpu")):
        index = gpu.findtext("minor_number", "").strip()
        index = index if index.isdigit() else str(n)
        report.devices.append(
            Device(index, gpu.findtext("product_name", ""), gpu.get("id", ""), flag(gpu.findtext("persistence_mode", "")))
        )
        ecc = 0
        for element in gpu.findall("ecc_errors/volatile/*"):
            if element.tag == "double_bit":
                ecc += to_int(element.findtext("total", "")) or 0
            elif "uncorrectable" in element.tag or "uncorrected" in element.tag:
                ecc += to_int(element.findtext("total", "") or (element.text or "")) or 0
        pending = flag(gpu.findtext("remapped_rows/remapped_row_pending", "")) or flag(
            gpu.findtext("retired_pages/pending_retirement", "")
        )
        failed = flag(gpu.findtext("remapped_rows/remapped_row_failure", ""))
        _fault_counters(report, index, ecc or None, pending, failed)
        status = (gpu.findtext("fabric/status", "N/A") or "N/A").strip()
        if status not in ("Success", "N/A", "Completed"):
            report.fail(f"NVLink fabric status {status}", Action.RESET, f"<fabric><status>{status}", index)
        _recovery_action(report, index, gpu.findtext("gpu_recovery_action", "") or "")
        for tag in ("reset_required", "drain_and_reset_recommended"):
            if flag(gpu.findtext(f"gpu_reset_status/{tag}", "") or ""):
                report.fail(f"the driver reports {tag.replace('_', ' ')}", Action.RESET, f"<{tag}>Yes", index)
    attached = to_int(root.findtext("attached_gpus", ""))
    if attached is not None and len(report.devices) < attached:
        report.unknown(
            f"attached_gpus is {attached} but {len(report.devices)} <gpu> elements: trimmed or truncated", f"<attached_gpus>{attached}"
        )
    if not report.devices and not report.findings:
        report.unknown("no <gpu> element")
    return report


# --- topo -m -----------------------------------------------------------------------------------


def parse_topo(text: str) -> HealthReport:
    """``nvidia-smi topo -m``: the GPU x GPU part of the matrix."""
    report = HealthReport("nvidia-topo", "nvidia-smi topo -m", VERSION, devices=None)
    text = clean(text)
    nvml_errors(report, text)
    lines = text.splitlines()
    header = next((ln.split("\t")[1:] for ln in lines if ln.startswith("\t") and "GPU0" in ln), None)
    if header is None:
        if not report.findings:
            report.unknown("no topology header row")
        return report
    columns = [c.strip() for c in header]
    gpus = [c for c in columns if re.fullmatch(r"GPU\d+", c)]
    if sum(1 for ln in lines if ln.startswith("\t") and "GPU0" in ln) > 1:
        report.unknown("the topology header repeats: two outputs run together")
    report.devices = []
    for line in lines:
        cells = line.split("\t")
        if not re.fullmatch(r"GPU\d+", cells[0].strip()):
            continue
        a = int(cells[0].strip()[3:])
        report.devices.append(Device(str(a)))
        if len(cells) - 1 < len(gpus):
            report.unknown(f"{cells[0]}: {len(cells) - 1} cells for {len(gpus)} GPUs: truncated", line)
            continue
        for name, cell in zip(columns, cells[1:], strict=False):
            if re.fullmatch(r"GPU\d+", name) and int(name[3:]) != a:
                report.links[(a, int(name[3:]))] = cell.strip()
    if len(report.devices) != len(gpus):
        report.unknown(f"{len(gpus)} GPU columns but {len(report.devices)} GPU rows: truncated")
    if "Legend" not in text and not report.findings:
        report.unknown("no Legend after the matrix: truncated")
    return report
