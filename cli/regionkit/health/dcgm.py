"""DCGM diagnostics: ``dcgmi diag -r N`` as text (the two-column box) and as JSON (``-j``).

A Fail result or an Error row is a fault; a Warning row is a warning; Skip is neither pass nor
fault, and a run in which nothing passed proves nothing. A persistence-mode "failure" of the
deployment checks is a configuration warning (the pool's expectation checks persistence), as
DCGM itself grades it CONFIG severity (``error_severity`` 5 in ``dcgm_errors.h``), and so is the
Error row DCGM prints under it. A run that asked for hardware tests (the Integration, Hardware,
Stress or Performance categories are listed) and skipped every one of them tested the
deployment only, so it proves nothing about the hardware: unknown, not pass.

Layouts: DCGM 1.x-2.x (``Blacklist``, ``Page Retirement``, a ``Performance`` category), DCGM 3
(``Denylist``, ``Metadata`` rows, ``Pass - All``), DCGM 4 (lower-case plugin names, one
``GPUn: Result`` row per GPU under each test), and ``-j`` JSON under ``DCGM GPU Diagnostic``
(3.x) or ``DCGM Diagnostic`` (4.x, with ``entity_groups`` naming the GPUs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from regionkit.health.model import Action, Device, HealthReport, Severity
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
    (
        re.compile(r"Error: Unable to complete diagnostic.*|Error: Cannot load plugins.*|DCGM GPU Diagnostic returned an error", re.I),
        "DCGM could not run the diagnostic (its plugins or the host engine failed)",
        Action.DRAIN,
    ),
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


_CATEGORY = re.compile(r"^[|+]-{3,}\s+(\w[\w ]*?)\s+-+\+")
# Categories whose tests exercise the GPUs; Deployment and Metadata check the software.
_HARDWARE_CATEGORIES = {"integration", "hardware", "stress", "performance"}
# dcgm_errors.h dcgmErrorSeverity_t: 1 MONITOR, 2 ISOLATE, 3 UNKNOWN, 4 TRIAGE, 5 CONFIG, 6 RESET.
_SEVERITY_MONITOR, _SEVERITY_ISOLATE, _SEVERITY_CONFIG, _SEVERITY_RESET = 1, 2, 5, 6


@dataclass
class _Tally:
    """What the diagnostic ran: results overall, and those of the hardware categories."""

    ran: int = 0
    passed: int = 0
    hardware_ran: int = 0
    hardware_passed: int = 0

    def count(self, status: str, hardware: bool) -> None:
        self.ran += 1
        self.passed += status == "pass"
        if hardware:
            self.hardware_ran += 1
            self.hardware_passed += status == "pass"


def _is_config(test: str, text: str = "") -> bool:
    """Persistence mode off: DCGM's own CONFIG severity, a setting of the node, not a fault."""
    return test.lower().startswith("persistence mode") or bool(
        re.search(r"persistence mode .{0,40}(?:is )?(?:currently )?disab", text, re.I)
    )


def parse_dcgmi_diag(text: str) -> HealthReport:
    """``dcgmi diag`` text or ``-j`` JSON, whichever the capture holds."""
    stripped = clean(text).strip()
    # -j prints one JSON document, after dcgmi's own "Successfully ran diagnostic" line if any
    json_at = re.search(r"^\s*\{", stripped, re.M)
    if json_at and not re.search(r"^\|", stripped, re.M):
        return parse_dcgmi_json(stripped[json_at.start() :])
    report = HealthReport("dcgmi-diag", "dcgmi diag (text)", VERSION, devices=None)
    scan_errors(report, stripped, _TOOL_ERRORS, first_only=True)
    test, category, last_kind = "", "", ""
    tally = _Tally()
    reports, closed = 0, True  # dcgmi closes its table with a border of dashes only
    for line in stripped.splitlines():
        if re.fullmatch(r"\+-+\+-+\+", line.strip()):
            closed = True
            continue
        if m := _CATEGORY.match(line.strip()):
            category = m.group(1).strip().lower()
            continue
        m = _ROW.match(line.strip())
        if not m:
            continue
        name, value = m.groups()
        closed = False
        if name == "Diagnostic" and value == "Result":
            reports += 1
            continue
        if name.startswith("-") or value.startswith("-"):
            continue  # the category separators
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
            if per_gpu.group(2).lower() == "fail" and not _is_config(test):
                report.fail(f"DCGM test failed: {test}", _action_for(test), value, f"GPU {per_gpu.group(1)}")
            continue
        if not r:
            continue
        status, which = r.group(1).lower(), (r.group(2) or "").strip()
        tally.count(status, category in _HARDWARE_CATEGORIES)
        if status == "fail":
            _fail_test(report, test, which, value)
        elif status == "warn":
            report.warn(f"{test}: warning", _action_for(test), value)
        elif status != "pass":
            report.info(f"{test}: {value}")
    _judge_tally(report, tally)
    if tally.ran and not closed and not report.has_fault():
        report.unknown("the diagnostic table is not closed: truncated output")
    if reports > 1:
        report.unknown(f"{reports} diagnostic tables in one capture: outputs run together", "| Diagnostic | Result |")
    return report


def _judge_tally(report: HealthReport, tally: _Tally) -> None:
    if report.has_fault():
        return
    if not tally.ran and not report.findings:
        report.unknown("no diagnostic result rows")
    elif tally.ran and not tally.passed and not report.has(Severity.WARN):
        report.unknown("no test passed: every test was skipped")
    elif tally.hardware_ran and not tally.hardware_passed:
        report.unknown(
            "every hardware test (Integration, Hardware, Stress) was skipped: only the deployment was checked",
            f"{tally.hardware_ran} hardware tests, none passed",
        )


def _fail_test(report: HealthReport, test: str, which: str, value: str) -> None:
    if _is_config(test):
        report.warn("persistence mode is off (DCGM grades it CONFIG)", Action.NONE, value)
        return
    device = None
    if m := re.match(r"GPUs?:\s*(.+)", which):
        device = "GPU " + m.group(1).strip()
    report.fail(f"DCGM test failed: {test}", _action_for(test), value, device)


def _note(report: HealthReport, kind: str, test: str, value: str) -> None:
    if kind in ("Error", "Warning") and _is_config(test, value):
        report.warn("persistence mode is off (DCGM grades it CONFIG)", Action.NONE, value)
    elif kind == "Error":
        report.fail(f"{test or 'DCGM'}: error", _action_for(test, value), value)
    elif kind == "Warning":
        report.warn(f"{test or 'DCGM'}: warning", _action_for(test, value), value)


def parse_dcgmi_json(text: str) -> HealthReport:
    """``dcgmi diag -j``: {"DCGM GPU Diagnostic" | "DCGM Diagnostic": {"test_categories": [...]}}."""
    report = HealthReport("dcgmi-diag", "dcgmi diag -j", VERSION, devices=None)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a cut document, or nesting deeper than the stack
        report.unknown(f"not a whole JSON document: {exc}")
        return report
    if not isinstance(data, dict):
        report.unknown("not a dcgmi diag JSON object")
        return report
    body = next((v for k, v in data.items() if "Diagnostic" in str(k) and isinstance(v, dict)), None)
    error = data.get("runtime_error") or (body or {}).get("runtime_error")
    if isinstance(error, str) and error:
        report.fail("DCGM could not run the diagnostic", Action.REBOOT, error)
    categories = body.get("test_categories") if body else None
    if not isinstance(categories, list):
        if not report.findings:
            report.unknown("no test_categories in the JSON")
        return report
    ids = _device_ids(data, body or {})
    tally = _Tally()
    entities: set[str] = set()
    for category in categories:
        if not isinstance(category, dict):
            continue
        hardware = str(category.get("category", "")).lower() in _HARDWARE_CATEGORIES
        for test in category.get("tests", []) if isinstance(category.get("tests"), list) else []:
            if isinstance(test, dict):
                _json_test(report, test, hardware, tally, entities)
    if ids is not None:
        report.devices = [Device(str(i)) for i in range(ids)]
    elif entities:
        report.devices = [Device(e) for e in sorted(entities)]
    _judge_tally(report, tally)
    return report


def _json_test(report: HealthReport, test: dict[str, Any], hardware: bool, tally: _Tally, entities: set[str]) -> None:
    name = str(test.get("name", "?"))
    results = test.get("results")
    for result in results if isinstance(results, list) else []:
        if not isinstance(result, dict):
            continue
        status = str(result.get("status", "")).lower()
        status = {"skipped": "skip", "warning": "warn", "not run": "skip"}.get(status, status)
        entity = result.get("entity_id", result.get("gpu_id", result.get("gpu_ids")))
        device = None if entity is None else f"GPU {entity}"
        if entity is not None and str(result.get("entity_group", "GPU")).upper() == "GPU":
            entities.update(e.strip() for e in str(entity).split(",") if e.strip())
        tally.count(status, hardware)
        notes = " ".join(_texts(result.get("warnings"))) or " ".join(_texts(result.get("info")))
        severity = _worst_severity(result.get("warnings"))
        if status == "fail":
            if severity == _SEVERITY_CONFIG or (severity is None and _is_config(name, notes)):
                report.warn(
                    "persistence mode is off (DCGM grades it CONFIG)"
                    if _is_config(name, notes)
                    else f"{name}: a configuration finding (DCGM severity CONFIG)",
                    Action.NONE,
                    notes,
                    device,
                )
            elif severity == _SEVERITY_MONITOR:
                report.warn(f"{name}: DCGM asks to monitor the GPU", Action.DRAIN, notes, device)
            else:
                action = {_SEVERITY_RESET: Action.RESET, _SEVERITY_ISOLATE: Action.DRAIN}.get(severity or 0, _action_for(name, notes))
                report.fail(f"DCGM test failed: {name}", action, notes or "Fail", device)
        elif status == "warn":
            report.warn(f"{name}: warning", _action_for(name, notes), notes, device)


def _worst_severity(warnings: Any) -> int | None:
    """The worst ``error_severity`` DCGM attached to a result (6 RESET beats 2 ISOLATE beats 5 CONFIG)."""
    found = [w.get("error_severity") for w in warnings if isinstance(w, dict)] if isinstance(warnings, list) else []
    values = [v for v in found if isinstance(v, int)]
    if not values:
        return None
    order = {_SEVERITY_RESET: 0, _SEVERITY_ISOLATE: 1, 4: 2, 3: 3, _SEVERITY_MONITOR: 4, _SEVERITY_CONFIG: 5}
    return min(values, key=lambda v: order.get(v, 3))


def _device_ids(data: dict[str, Any], body: dict[str, Any]) -> int | None:
    groups = data.get("entity_groups")
    if isinstance(groups, list):  # DCGM 4: the GPUs the diagnostic ran on, by entity
        gpus = [g for g in groups if isinstance(g, dict) and str(g.get("entity_group", "")).upper() == "GPU"]
        if gpus and all(isinstance(g.get("entities"), list) for g in gpus):
            return sum(len(g["entities"]) for g in gpus)
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
