"""SARIF 2.1.0, in the subset GitHub code scanning ingests, for validator findings and drift reports.

What GitHub reads (docs.github.com, "SARIF support for code scanning"; Microsoft's SARIF
multitool checks the same as its GH10xx rules): per rule an `id`, `shortDescription`,
`fullDescription`, `help` (text and Markdown) and an absolute `helpUri`; per result a `ruleId`, a
`message`, one location whose `artifactLocation.uri` is relative to the repository root with a
`region.startLine`, and `partialFingerprints` so an alert is matched across runs. Pure: the
caller gives the docs' base URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from regionkit.catalog.validate import Finding, Validator
from regionkit.errors import EXIT_DRIFT, EXIT_OK

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
_DRIFT_RULES = {
    "cloud": ("RK-DRIFT-CLOUD", "Cloud resource differs from its declaration", "the stack's `preview --refresh` (read-only)"),
    "config": ("RK-DRIFT-CONFIG", "Node configuration differs from site.yml", "site.yml in check mode with --diff"),
    "health": ("RK-DRIFT-HEALTH", "Node health check fails", "the acceptance suites' levels 0-2"),
}


def _rule(rid: str, name: str, short: str, full: str, help_text: str, help_uri: str, level: str) -> dict[str, Any]:
    return {
        "id": rid,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": f"{help_text}\n\nSee [{rid}]({help_uri})."},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["regionkit"]},
    }


def _location(uri: str, line: int | None) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(1, line or 1)}}}


def _run(
    version: str, docs_url: str, rules: list[dict[str, Any]], results: list[dict[str, Any]], invocation: dict[str, Any]
) -> dict[str, Any]:
    driver = {"name": "regionkit", "version": version, "informationUri": f"{docs_url}/README.md", "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "invocations": [invocation], "results": results}],
    }


def validation_sarif(findings: Iterable[Finding], validators: list[Validator], version: str, docs_url: str) -> dict[str, Any]:
    """One result per validator finding, at its line in the region's file; a region's suppression
    (with its recorded reason) is a SARIF suppression, which code scanning shows as dismissed."""
    index = {v.id: i for i, v in enumerate(validators)}
    rules = [
        _rule(
            v.id,
            v.id.replace(".", "-"),
            v.checks,
            f"{v.checks}. Why: {v.why}.",
            f"{v.checks}. {v.why}. Each finding names the file, the key, the value and the fix; a region may "
            "suppress the validator under `suppress:` with a reason.",
            f"{docs_url}/README.md#validators",
            v.severity,
        )
        for v in validators
    ]
    results = []
    for f in findings:
        value = f" = {f.value}" if f.value else ""
        result: dict[str, Any] = {
            "ruleId": f.validator,
            "ruleIndex": index[f.validator],
            "level": f.severity,
            "message": {"text": f"{f.region}: {f.path}{value}: {f.message}. Fix: {f.fix}"},
            "locations": [_location(f.file, f.line)],
            "partialFingerprints": {"regionkitFinding/v1": f"{f.validator}:{f.region}:{f.path}"},
            "properties": {"region": f.region, "path": f.path, "value": f.value, "fix": f.fix},
        }
        if f.suppressed is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
        results.append(result)
    return _run(version, docs_url, rules, results, {"executionSuccessful": True})


def drift_sarif(doc: dict[str, Any], version: str, docs_url: str) -> dict[str, Any]:
    """SARIF 2.1.0: one result per finding, located in the region's declaration file."""
    rules = [
        _rule(
            rid,
            rid.title().replace("-", ""),
            text,
            f"{text}: found by {how}.",
            f"{text}. Found by {how}; each finding names the command that reconciles it.",
            f"{docs_url}/docs/drift.md",
            "warning",
        )
        for rid, text, how in _DRIFT_RULES.values()
    ]
    results = []
    for run in doc["runs"]:
        for f in run["findings"]:
            rid = _DRIFT_RULES[f["layer"]][0]
            location = _location(f"inventories/{f['region']}/region.yml", 1)
            location["logicalLocations"] = [{"fullyQualifiedName": f"{f['region']}/{f['subject']}/{f['item']}", "kind": "resource"}]
            results.append(
                {
                    "ruleId": rid,
                    "ruleIndex": list(_DRIFT_RULES).index(f["layer"]),
                    "level": "error" if f["kind"] in ("error", "unreachable") else "warning",
                    "message": {"text": f"{f['message']}. Reconcile: {f['reconcile']}"},
                    "locations": [location],
                    "partialFingerprints": {"regionkitFinding/v1": f"{f['layer']}:{f['region']}:{f['subject']}:{f['item']}"},
                    "properties": {k: f[k] for k in ("layer", "region", "kind", "host", "role", "task", "expected", "actual")},
                }
            )
    invocation = {"executionSuccessful": doc["exit_code"] in (EXIT_OK, EXIT_DRIFT), "exitCode": doc["exit_code"]}
    return _run(version, docs_url, rules, results, invocation)
