"""Drift: findings from the three layers, one exit code, and the reports (JSON, Markdown, JUnit,
SARIF). Pure: the adapters hand in engine steps, check-mode task results and verify's checks.

- cloud: steps of a `preview --refresh` (read-only). An update is drift per property, expected
  (the declaration) against actual (what refresh read); a create after refresh found nothing is
  a resource deleted out of band. The catalog's ignore list drops noisy properties.
- config: every task that check mode would change, with host, role, task and the diff.
- health: every failed check of verify's cheap levels.

Exit code: 1 if a layer could not run, else 3 if a host was unreachable (the picture is
incomplete), else 2 if anything drifted, else 0. No report ever holds a secret: every string of
the report passes `redact` before any format is written.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any

from regionkit.catalog.model import DriftIgnoreSpec
from regionkit.errors import EXIT_DRIFT, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE

SCHEMA_VERSION = 1
LAYERS = ("cloud", "config", "health")

# The tag that re-runs a role of playbooks/site.yml (vendor roles run under accelerator_node).
ROLE_TAGS = {
    "node_baseline": "baseline",
    "rdma": "rdma",
    "accelerator_node": "accelerator",
    "nvidia_driver": "accelerator",
    "thead_ppu": "accelerator",
    "ascend_npu": "accelerator",
    "amd_rocm": "accelerator",
    "mirror_artifact": "accelerator,collectives",
    "collectives": "collectives",
}
# The role that owns what a health check looks at (None: hardware, no role can fix it).
CHECK_ROLES = {"l0": "node_baseline", "l1_pinned": "accelerator_node", "l1_services": "node_baseline", "l1_collectives": "collectives"}

_SECRET_KEY = re.compile(
    r"(?i)(\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|passphrase|activation[_-]?code)"
    r"[\w.-]*[\"']?\s*[:=]\s*[\"']?)([^\s\"',}]+)"
)
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
REDACTED = "***"


@dataclass
class Finding:
    layer: str
    region: str
    subject: str  # resource URN, or host
    item: str  # property, role/task, or check
    message: str
    kind: str = "drift"  # drift | unreachable | error
    expected: Any = None
    actual: Any = None
    diff: str = ""
    reconcile: str = ""
    host: str = ""
    role: str = ""
    task: str = ""
    resource_type: str = ""


@dataclass
class LayerRun:
    layer: str
    region: str
    status: str = "clean"  # clean | drift | unreachable | error | skipped
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # subjects/items checked and found as declared
    not_verified: list[str] = field(default_factory=list)  # "item: why"
    ignored: list[str] = field(default_factory=list)  # "urn property: reason"
    error: str = ""
    seconds: float = 0.0

    def settle(self) -> LayerRun:
        if self.status == "skipped":
            return self
        kinds = {f.kind for f in self.findings}
        if self.error or "error" in kinds:
            self.status = "error"
        else:
            self.status = "unreachable" if "unreachable" in kinds else "drift" if kinds else "clean"
        return self


@dataclass
class DriftReport:
    runs: list[LayerRun]
    started: str
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.runs for f in r.findings]

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.runs}
        if "error" in statuses:
            return EXIT_FAILED
        if "unreachable" in statuses:
            return EXIT_UNREACHABLE
        return EXIT_DRIFT if "drift" in statuses else EXIT_OK

    @property
    def verdict(self) -> str:
        return {EXIT_OK: "no drift", EXIT_DRIFT: "drift", EXIT_UNREACHABLE: "unreachable hosts", EXIT_FAILED: "error"}[self.exit_code]

    def to_dict(self, secrets: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """The JSON report (docs/schemas/drift-report.schema.json), redacted."""
        doc = {
            "schema_version": SCHEMA_VERSION,
            "started": self.started,
            "seconds": round(self.seconds, 2),
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "summary": {s: sum(1 for r in self.runs if r.status == s) for s in ("clean", "drift", "unreachable", "error", "skipped")},
            "runs": [
                {
                    **{k: v for k, v in asdict(r).items() if k != "findings"},
                    "seconds": round(r.seconds, 2),
                    "findings": [asdict(f) for f in r.findings],
                }
                for r in self.runs
            ],
        }
        redacted: dict[str, Any] = redact_all(doc, secrets)
        return redacted


# --- redaction --------------------------------------------------------------------------------


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Secret-looking assignments, private keys and every known secret value, replaced."""
    for value in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _PEM.sub(REDACTED, text)
    return _SECRET_KEY.sub(lambda m: m.group(1) + REDACTED, text)


def redact_all(value: Any, secrets: list[str] | tuple[str, ...] = ()) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        secret = {k for k, v in value.items() if _SECRET_KEY.fullmatch(f"{k}=x") and v not in (None, "")}
        return {k: REDACTED if k in secret else redact_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v, secrets) for v in value]
    return value


# --- cloud ------------------------------------------------------------------------------------


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _lookup(state: dict[str, Any] | None, path: str) -> Any:
    """`a.b[0].c` in a resource's inputs/outputs; None where absent."""
    value: Any = state or {}
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _ignored(rules: list[DriftIgnoreSpec], region: str, rtype: str, prop: str) -> DriftIgnoreSpec | None:
    for rule in rules:
        if rule.regions and region not in rule.regions:
            continue
        if fnmatch.fnmatchcase(rtype, rule.type) and fnmatch.fnmatchcase(prop, rule.property):
            return rule
    return None


def cloud_findings(region: str, steps: list[dict[str, Any]], rules: list[DriftIgnoreSpec], run: LayerRun) -> LayerRun:
    """Steps are engine step metadata (op, urn, type, old, new, diffs, detailedDiff) in order."""
    reconcile = f"regionkit up {region}"
    gone = {s["urn"] for s in steps if s.get("op") == "refresh" and not (s.get("new") or {}).get("outputs")}
    for step in steps:
        op, urn, rtype = step.get("op", ""), step.get("urn", ""), step.get("type", "")
        if rtype.startswith("pulumi:") or op in ("refresh", "read", "discard", "create-replacement", "delete-replaced"):
            continue
        if op == "same":
            run.checked.append(urn)
            continue
        base = {"layer": "cloud", "region": region, "subject": urn, "resource_type": rtype, "reconcile": reconcile}
        if op == "create":
            deleted = urn in gone
            message = f"{_name(urn)} ({rtype}) " + ("was deleted out of band" if deleted else "is declared but not deployed")
            run.findings.append(Finding(**base, item="(resource)", message=message, expected="exists", actual="absent"))
            continue
        if op == "delete":
            message = f"{_name(urn)} ({rtype}) is deployed but no longer declared"
            run.findings.append(Finding(**base, item="(resource)", message=message, expected="absent", actual="exists"))
            continue
        old, new = step.get("old") or {}, step.get("new") or {}
        props = sorted(step.get("detailedDiff") or {}) or sorted(step.get("diffs") or [])
        kept = 0
        for prop in props:
            rule = _ignored(rules, region, rtype, prop)
            if rule:
                run.ignored.append(f"{urn} {prop}: {rule.reason}")
                continue
            kept += 1
            expected = _lookup(new.get("inputs"), prop)
            actual = _lookup(old.get("inputs"), prop)
            if actual is None:
                actual = _lookup(old.get("outputs"), prop)
            if _SECRET_KEY.fullmatch(re.sub(r"\W", "_", prop) + "=x") or _is_secret_value(expected) or _is_secret_value(actual):
                expected = actual = REDACTED  # a secret property: say that it changed, never what to
            kind = (step.get("detailedDiff") or {}).get(prop, {}).get("diffKind", "update")
            verb = "would be replaced" if op == "replace" or kind.endswith("replace") else "changed out of band"
            message = f"{_name(urn)}: {prop} {verb}: expected {_short(expected)}, found {_short(actual)}"
            run.findings.append(Finding(**base, item=prop, message=message, expected=expected, actual=actual))
        if not props:
            run.findings.append(Finding(**base, item="(resource)", message=f"{_name(urn)} ({rtype}): {op} pending"))
        elif not kept:
            run.checked.append(urn)
    return run.settle()


def _is_secret_value(value: Any) -> bool:
    """Pulumi's secret envelope, or the engine's own '[secret]' placeholder."""
    return value == "[secret]" or (isinstance(value, dict) and "4dabf18193072939515e22adb298388d" in value)


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# --- config -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskChange:
    """One task that check mode would change (or that failed) on one host."""

    host: str
    role: str
    task: str
    action: str
    diff: str  # unified-ish text, already built from the module's diff
    failed: bool = False
    message: str = ""
    items: tuple[str, ...] = ()  # a loop task's items that would change (or failed)


def config_findings(region: str, changes: list[TaskChange], unreachable: dict[str, str], hosts: list[str], run: LayerRun) -> LayerRun:
    drifted = set()
    for c in changes:
        drifted.add(c.host)
        tags = ROLE_TAGS.get(c.role, "")
        reconcile = f"regionkit bootstrap {region} --limit {c.host}" + (f" --tags {tags}" if tags else "")
        what = "check failed" if c.failed else "would change"
        items = f" ({', '.join(c.items)})" if c.items else ""
        message = f"{c.host} {c.role}: {c.task!r}{items} {what}" + (f": {c.message}" if c.message else "")
        run.findings.append(
            Finding(
                "config", region, c.host, f"{c.role}/{c.task}", message, diff=c.diff, reconcile=reconcile,
                host=c.host, role=c.role, task=c.task,
            )
        )  # fmt: skip
    for host, why in sorted(unreachable.items()):
        drifted.add(host)
        run.findings.append(
            Finding("config", region, host, "(host)", f"{host} is unreachable: {why}", kind="unreachable", host=host,
                    reconcile=f"check the host, then: regionkit drift {region} --layers config")
        )  # fmt: skip
    run.checked += [h for h in hosts if h not in drifted]
    return run.settle()


def render_diff(diff: Any) -> str:
    """Ansible's `diff` result (a dict or a list of dicts with before/after or prepared) as text."""
    parts = diff if isinstance(diff, list) else [diff] if diff else []
    parts = [x for p in parts for x in (p if isinstance(p, list) else [p])]  # loop tasks: one diff per item
    out: list[str] = []
    for d in parts:
        if not isinstance(d, dict):
            continue
        if d.get("prepared"):
            out.append(str(d["prepared"]).rstrip())
            continue
        before, after = d.get("before"), d.get("after")
        if before is None and after is None:
            continue
        after_header = str(d.get("after_header", "after"))
        if "/.ansible/tmp/" in after_header or "ansible-local-" in after_header:  # the rendered template's temp copy
            after_header = f"declared ({after_header.rsplit('/', 1)[-1]})"
        head = f"--- {d.get('before_header', 'before')} (on the host)\n+++ {after_header}"
        if isinstance(before, dict) or isinstance(after, dict):
            out.append(f"{head}\n- {json.dumps(before, sort_keys=True)}\n+ {json.dumps(after, sort_keys=True)}")
            continue
        lines = difflib.unified_diff(str(before or "").splitlines(), str(after or "").splitlines(), lineterm="", n=1)
        body = "\n".join(list(lines)[2:])
        out.append(f"{head}\n{body}" if body else head)
    return "\n".join(out)[:4000]


# --- health -----------------------------------------------------------------------------------


def health_findings(region: str, checks: list[tuple[str, int, str, str, str]], run: LayerRun) -> LayerRun:
    """checks: (host, level, name, outcome, detail) as verify reads them from pytest's JUnit."""
    for host, level, name, outcome, detail in checks:
        label = f"{host or 'all'} L{level} {name}"
        if outcome == "passed":
            run.checked.append(label)
        elif outcome == "not verified":
            run.not_verified.append(f"{label}: {detail}")
        else:
            role = next((r for prefix, r in CHECK_ROLES.items() if name.startswith(prefix)), None)
            if outcome == "unreachable":
                reconcile = f"check the host, then: regionkit drift {region} --layers health"
            elif role:
                reconcile = f"regionkit bootstrap {region} --limit {host} --tags {ROLE_TAGS[role]}"
            else:
                reconcile = f"inspect the device; re-check: regionkit verify {region} --level {level} --limit {host}"
            run.findings.append(
                Finding("health", region, host, name, f"{label}: {detail}", reconcile=reconcile, host=host, role=role or "",
                        kind="unreachable" if outcome == "unreachable" else "drift")
            )  # fmt: skip
    return run.settle()


# --- reports ----------------------------------------------------------------------------------


def to_junit(doc: dict[str, Any]) -> str:
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


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES = {
    "cloud": ("RK-DRIFT-CLOUD", "Cloud resource differs from its declaration"),
    "config": ("RK-DRIFT-CONFIG", "Node configuration differs from site.yml"),
    "health": ("RK-DRIFT-HEALTH", "Node health check fails"),
}


def to_sarif(doc: dict[str, Any], version: str) -> dict[str, Any]:
    """SARIF 2.1.0: one result per finding, located in the region's declaration file."""
    rules = [
        {"id": rid, "name": rid.title().replace("-", ""), "shortDescription": {"text": text}, "helpUri": "docs/drift.md"}
        for rid, text in _RULES.values()
    ]
    results = []
    for run in doc["runs"]:
        for f in run["findings"]:
            rid = _RULES[f["layer"]][0]
            results.append(
                {
                    "ruleId": rid,
                    "ruleIndex": list(_RULES).index(f["layer"]),
                    "level": "error" if f["kind"] in ("error", "unreachable") else "warning",
                    "message": {"text": f"{f['message']}. Reconcile: {f['reconcile']}"},
                    "locations": [
                        {
                            "physicalLocation": {"artifactLocation": {"uri": f"inventories/{f['region']}/region.yml"}},
                            "logicalLocations": [
                                {"fullyQualifiedName": f"{f['region']}/{f['subject']}/{f['item']}", "kind": "resource"}
                            ],
                        }
                    ],
                    "partialFingerprints": {"regionkitFinding/v1": f"{f['layer']}:{f['region']}:{f['subject']}:{f['item']}"},
                    "properties": {k: f[k] for k in ("layer", "region", "kind", "host", "role", "task", "expected", "actual")},
                }
            )
    invocation = {"executionSuccessful": doc["exit_code"] in (EXIT_OK, EXIT_DRIFT), "exitCode": doc["exit_code"]}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "regionkit", "version": version, "informationUri": "README.md", "rules": rules}},
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
