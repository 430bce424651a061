"""SARIF 2.1.0 (what GitHub code scanning ingests) for drift reports."""

from __future__ import annotations

from typing import Any

from regionkit.errors import EXIT_DRIFT, EXIT_OK

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES = {
    "cloud": ("RK-DRIFT-CLOUD", "Cloud resource differs from its declaration"),
    "config": ("RK-DRIFT-CONFIG", "Node configuration differs from site.yml"),
    "health": ("RK-DRIFT-HEALTH", "Node health check fails"),
}


def drift_sarif(doc: dict[str, Any], version: str) -> dict[str, Any]:
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
