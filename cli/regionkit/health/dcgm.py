"""DCGM diagnostics: ``dcgmi diag -r N`` as text (the two-column box) and as JSON (``-j``).

A Fail result or an Error row is a fault; a Warning row is a warning; Skip is neither pass nor
fault, and a run in which nothing passed proves nothing. A persistence-mode "failure" of the
deployment checks is a configuration warning (the pool's expectation checks persistence), as
DCGM itself grades it CONFIG severity.
"""

from __future__ import annotations

import json
import re
from typing import Any

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import ToolErrors, clean, scan_errors

VERSION = "1.0"

_ROW = re.compile(r"^\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|?\s*$")
_PER_GPU = re.compile(r"^GPU\s?(\d+):\s*(Pass|Fail|Skip|Warn)\b", re.I)
_RESULT = re.compile(r"^(Pass|Fail|Skip|Warn|Not Run)\b(?:\s*-\s*(.*))?", re.I)
_TOOL_ERRORS: ToolErrors = [
    (
        re.compile(r"unable to establish a connection to the specified host|Unable to connect to host engine", re.I),
        "the DCGM host engine cannot be reached (restart nvidia-dcgm)",
        Action.REBOOT,
    ),
    (
        re.compile(r"Host engine connection invalid|DCGM_ST_CONNECTION_NOT_VALID", re.I),
        "the DCGM host engine connection is invalid",
        Action.REBOOT,
    ),
    (re.compile(r"Error: .*(?:NVML|driver)", re.I), "DCGM cannot use the driver", Action.REBOOT),
    (re.compile(r"dcgmi: (?:command )?not found", re.I), "dcgmi is not installed", Action.DRAIN),
]


def _action_for(test: str, text: str = "") -> Action:
    t = f"{test} {text}".lower()
    if "row remap" in t or "page retirement" in t or "uncorrectable" in t or "memory" in t:
        return Action.RESET
    if "nvml" in t or "cuda main library" in t or "cuinit" in t or "driver" in t:
        return Action.REBOOT
    if "inforom" in t:
        return Action.REPLACE
    return Action.DRAIN


def parse_dcgmi_diag(text: str) -> HealthReport:
    """``dcgmi diag`` text or ``-j`` JSON, whichever the capture holds."""
    stripped = clean(text).strip()
    if stripped.startswith("{"):
        return parse_dcgmi_json(stripped)
    report = HealthReport("dcgmi-diag", "dcgmi diag (text)", VERSION, devices=None)
    scan_errors(report, stripped, _TOOL_ERRORS, first_only=True)
    test, passed, ran = "", 0, 0
    last_kind = ""
    for line in stripped.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        name, value = m.groups()
        if name in ("Diagnostic",) or name.startswith("-") or value.startswith("-"):
            continue
        if name == "GPU Device IDs Detected":
            report.devices = [Device(str(i), dev.strip()) for i, dev in enumerate(value.split(",")) if dev.strip()]
            continue
        if name in ("DCGM Version", "Driver Version Detected", "Number of GPUs Detected") or name.endswith("Detected"):
            continue
        if name in ("Info", "Warning", "Error"):
            last_kind = name
            _note(report, name, test, value)
            continue
        if not name and last_kind in ("Info", "Warning", "Error"):
            continue  # a wrapped Info/Warning/Error row
        if name:
            test, last_kind = name, "test"
        r = _RESULT.match(value)
        per_gpu = _PER_GPU.match(value)
        if per_gpu:  # DCGM 4 lists one "GPUn: Result" row per GPU under the test's own row
            if per_gpu.group(2).lower() == "fail":
                report.fail(f"DCGM test failed: {test}", _action_for(test), value, f"GPU {per_gpu.group(1)}")
            continue
        if not r:
            continue
        ran += 1
        status, which = r.group(1).lower(), (r.group(2) or "").strip()
        if status == "pass":
            passed += 1
        elif status == "fail":
            _fail_test(report, test, which, value)
        elif status == "warn":
            report.warn(f"{test}: warning", _action_for(test), value)
        else:
            report.info(f"{test}: {value}")
    if not ran and not report.findings:
        report.unknown("no diagnostic result rows")
    elif ran and not passed and not report.has_fault():
        report.unknown("no test passed: every test was skipped")
    return report


def _fail_test(report: HealthReport, test: str, which: str, value: str) -> None:
    if test.lower().startswith("persistence mode"):
        report.warn("persistence mode is off (DCGM grades it CONFIG)", Action.NONE, value)
        return
    device = None
    if m := re.match(r"GPUs?:\s*(.+)", which):
        device = "GPU " + m.group(1).strip()
    report.fail(f"DCGM test failed: {test}", _action_for(test), value, device)


def _note(report: HealthReport, kind: str, test: str, value: str) -> None:
    if kind == "Error":
        report.fail(f"{test or 'DCGM'}: error", _action_for(test, value), value)
    elif kind == "Warning":
        report.warn(f"{test or 'DCGM'}: warning", _action_for(test, value), value)


def parse_dcgmi_json(text: str) -> HealthReport:
    """``dcgmi diag -j``: {"DCGM GPU Diagnostic" | "DCGM Diagnostic": {"test_categories": [...]}}."""
    report = HealthReport("dcgmi-diag", "dcgmi diag -j", VERSION, devices=None)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.unknown(f"not a whole JSON document: {exc}")
        return report
    if not isinstance(data, dict):
        report.unknown("not a dcgmi diag JSON object")
        return report
    if isinstance(data.get("runtime_error"), str) and data["runtime_error"]:
        report.fail("DCGM could not run the diagnostic", Action.REBOOT, data["runtime_error"])
    body = next((v for k, v in data.items() if "Diagnostic" in k and isinstance(v, dict)), None)
    categories = body.get("test_categories") if body else None
    if not isinstance(categories, list):
        if not report.findings:
            report.unknown("no test_categories in the JSON")
        return report
    ids = _device_ids(data, body or {})
    passed, ran = 0, 0
    entities: set[str] = set()
    for category in categories:
        for test in category.get("tests", []) if isinstance(category, dict) else []:
            name = str(test.get("name", "?"))
            for result in test.get("results", []) or []:
                status = str(result.get("status", "")).lower()
                entity = result.get("entity_id", result.get("gpu_id", result.get("gpu_ids")))
                device = None if entity is None else f"GPU {entity}"
                if entity is not None and str(result.get("entity_group", "GPU")).upper() == "GPU":
                    entities.add(str(entity))
                ran += 1
                notes = " ".join(_texts(result.get("warnings"))) or " ".join(_texts(result.get("info")))
                if status == "pass":
                    passed += 1
                elif status == "fail":
                    if name.lower() in ("software", "persistence mode") and "persistence" in notes.lower():
                        report.warn("persistence mode is off (DCGM grades it CONFIG)", Action.NONE, notes, device)
                    else:
                        report.fail(f"DCGM test failed: {name}", _action_for(name, notes), notes or "Fail", device)
                elif status in ("warn", "warning"):
                    report.warn(f"{name}: warning", _action_for(name, notes), notes, device)
    if ids is not None:
        report.devices = [Device(str(i)) for i in range(ids)]
    elif entities:
        report.devices = [Device(e) for e in sorted(entities)]
    if not ran and not report.findings:
        report.unknown("no test result in the JSON")
    elif ran and not passed and not report.has_fault():
        report.unknown("no test passed: every test was skipped")
    return report


def _device_ids(data: dict[str, Any], body: dict[str, Any]) -> int | None:
    for source in (data, body, data.get("metadata") or {}):
        for key in ("GPU Device IDs", "GPU Device IDs Detected", "gpu_device_ids"):
            value = source.get(key) if isinstance(source, dict) else None
            if isinstance(value, list):
                return len(value)
            if isinstance(value, str) and value.strip():
                return len([v for v in value.split(",") if v.strip()])
    return None


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, dict):
        return [str(value.get("warning") or value.get("message") or value.get("info") or "")]
    return []
