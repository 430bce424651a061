"""JUnit XML (Jenkins' junit-10.xsd, what CI systems ingest) for drift reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


def drift_junit(doc: dict[str, Any]) -> str:
    """One testsuite per region and layer; one testcase per resource, host-and-role, or check."""
    root = ET.Element("testsuites", name="regionkit drift", tests="0", failures="0", errors="0", time=str(doc["seconds"]))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for run in doc["runs"]:
        suite = ET.SubElement(root, "testsuite", name=f"{run['region']}.{run['layer']}")
        cases: dict[str, list[dict[str, Any]]] = {}
        for f in run["findings"]:
            by_layer = {"cloud": f["subject"], "config": f"{f['host']}.{f['role'] or f['item']}"}
            key = by_layer.get(run["layer"], f"{f['host']}.{f['item']}")
            cases.setdefault(key, []).append(f)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for key, found in cases.items():
            case = ET.SubElement(suite, "testcase", classname=f"{run['region']}.{run['layer']}", name=key)
            kind = "error" if any(f["kind"] in ("error", "unreachable") for f in found) else "failure"
            el = ET.SubElement(case, kind, message="; ".join(f["message"] for f in found)[:2000], type=found[0]["kind"])
            el.text = "\n\n".join(f"{f['message']}\n{f['diff']}\nreconcile: {f['reconcile']}".strip() for f in found)
            counts["tests"] += 1
            counts["errors" if kind == "error" else "failures"] += 1
        if run["error"]:
            case = ET.SubElement(suite, "testcase", classname=f"{run['region']}.{run['layer']}", name="(layer)")
            ET.SubElement(case, "error", message=run["error"][:2000], type="error").text = run["error"]
            counts["tests"] += 1
            counts["errors"] += 1
        for item in run["checked"]:
            ET.SubElement(suite, "testcase", classname=f"{run['region']}.{run['layer']}", name=item)
            counts["tests"] += 1
        for item in run["not_verified"]:
            name, _, why = item.partition(": ")
            case = ET.SubElement(suite, "testcase", classname=f"{run['region']}.{run['layer']}", name=name)
            ET.SubElement(case, "skipped", message=f"not verified: {why}")
            counts["tests"] += 1
            counts["skipped"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", str(run["seconds"]))
    for k in ("tests", "failures", "errors"):
        root.set(k, str(totals[k]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
