"""The SARIF that `validate --format sarif` and `drift` write is what GitHub code scanning ingests:
valid against the OASIS 2.1.0 schema, and meeting GitHub's own requirements, checked twice: by the
rules as GitHub's "SARIF support for code scanning" page states them (below), and by Microsoft's
SARIF multitool (`Sarif.Multitool validate --rule-kind Gh;Sarif`: its GH10xx/GH2012 rules are the
GitHub ingestion rules), where scripts/setup.sh installed it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema

from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import VALIDATORS, validate
from regionkit.reports.redact import redact_all
from regionkit.reports.sarif import validation_sarif
from regionkit.services.drift import render

from ...conftest import REPO, TODAY, Edit, missing_tool
from ..planning.test_drift import SECRET, sample_report

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "schemas" / "sarif-schema-2.1.0.json").read_text())
DOCS = "https://example.invalid/regionkit/blob/0123abc"
MULTITOOL = Path(
    os.environ.get("REGIONKIT_SARIF_MULTITOOL")
    or REPO / ".tools" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
)
MAX_LOCATIONS = 10  # GitHub: "up to a maximum of 10"


def github_problems(sarif: dict[str, Any]) -> list[str]:
    """What GitHub's SARIF support page requires of an uploaded file, as checks."""
    problems = []
    if sarif.get("version") != "2.1.0":
        problems.append("version: code scanning supports SARIF 2.1.0 only")
    for r, run in enumerate(sarif["runs"]):
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append(f"runs[{r}].tool.driver.name is required")
        rules = {rule["id"]: rule for rule in driver.get("rules", [])}
        for rid, rule in rules.items():
            for key in ("shortDescription", "fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rid}: {key}.text is required")
            uri = urlparse(rule.get("helpUri", ""))
            if not (uri.scheme and (uri.netloc or uri.scheme == "file")):
                problems.append(f"rule {rid}: helpUri {rule.get('helpUri')!r} is not an absolute URI")
        for i, result in enumerate(run["results"]):
            where = f"runs[{r}].results[{i}]"
            if result.get("ruleId") not in rules:
                problems.append(f"{where}: ruleId {result.get('ruleId')!r} names no rule of the run")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: message.text is required")
            if not 1 <= len(result.get("locations", [])) <= MAX_LOCATIONS:
                problems.append(f"{where}: one to {MAX_LOCATIONS} locations")
            for loc in result.get("locations", []):
                physical = loc.get("physicalLocation", {})
                uri = physical.get("artifactLocation", {}).get("uri", "")
                if not uri or urlparse(uri).scheme or uri.startswith("/"):
                    problems.append(f"{where}: artifactLocation.uri {uri!r} must be relative to the repository root")
                if not physical.get("region", {}).get("startLine", 0) >= 1:
                    problems.append(f"{where}: region.startLine is required")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: partialFingerprints keep an alert the same across runs")
    return problems


def validation_doc(catalog_root: Path, edit: Edit) -> dict[str, Any]:
    edit("br-sao-1", lambda d: d["packages"].update(proxy="10.13.0.11"))  # an error at a line
    edit("nl-ams-1", lambda d: d["suppress"].append({"validator": "readiness.kms-instance", "reason": "bought, id pending"}))
    report = validate(load_catalog(catalog_root), today=TODAY)
    return validation_sarif(report.findings, VALIDATORS, "0.0.0", DOCS)


def test_validator_findings_are_sarif_github_ingests_at_the_region_files_line(catalog_root: Path, edit: Edit) -> None:
    sarif = validation_doc(catalog_root, edit)
    jsonschema.Draft202012Validator(SCHEMA).validate(sarif)
    assert github_problems(sarif) == []
    results = sarif["runs"][0]["results"]
    planted = next(r for r in results if r["ruleId"] == "packages.source")
    location = planted["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "inventories/br-sao-1/region.yml"
    lines = (catalog_root / "inventories" / "br-sao-1" / "region.yml").read_text().splitlines()
    assert lines[location["region"]["startLine"] - 1].strip().startswith("proxy: 10.13.0.11")
    assert planted["level"] == "error" and "Fix:" in planted["message"]["text"]
    suppressed = next(r for r in results if r["ruleId"] == "readiness.kms-instance" and "nl-ams-1" in r["message"]["text"])
    assert suppressed["suppressions"] == [{"kind": "inSource", "justification": "bought, id pending"}]
    rule = next(x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"] == "packages.source")
    assert rule["helpUri"] == f"{DOCS}/README.md#validators" and rule["fullDescription"]["text"] and rule["help"]["markdown"]


def test_drift_sarif_meets_githubs_rules() -> None:
    sarif = json.loads(render(redact_all(sample_report().to_dict(), [SECRET]), "sarif"))
    jsonschema.Draft202012Validator(SCHEMA).validate(sarif)
    assert github_problems(sarif) == []


def test_the_github_rules_refuse_what_github_refuses(catalog_root: Path, edit: Edit) -> None:
    """The checks are live: each missing piece GitHub needs is named."""
    sarif = validation_doc(catalog_root, edit)
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    rule["helpUri"] = "README.md#validators"
    del rule["fullDescription"]
    del sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    problems = github_problems(sarif)
    assert any("not an absolute URI" in p for p in problems)
    assert any("fullDescription.text is required" in p for p in problems)
    assert any("region.startLine is required" in p for p in problems)


def _multitool_findings(path: Path, out: Path) -> list[dict[str, Any]]:
    if not MULTITOOL.is_file():
        missing_tool(f"Microsoft's SARIF multitool is not installed ({MULTITOOL}; npm)")
    proc = subprocess.run(
        [str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning", "-o", str(out), str(path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )  # fmt: skip
    assert out.is_file(), proc.stdout + proc.stderr
    found: list[dict[str, Any]] = json.loads(out.read_text())["runs"][0]["results"]
    return found


def test_microsofts_multitool_finds_no_github_or_sarif_problem(catalog_root: Path, edit: Edit, tmp_path: Path) -> None:
    for name, sarif in {
        "validate.sarif": validation_doc(catalog_root, edit),
        "drift.sarif": json.loads(render(redact_all(sample_report().to_dict(), [SECRET]), "sarif")),
    }.items():
        (tmp_path / name).write_text(json.dumps(sarif, indent=2))
        found = _multitool_findings(tmp_path / name, tmp_path / f"{name}.out")
        assert found == [], [f"{f['ruleId']}: {f['message']}" for f in found]
    broken = json.loads((tmp_path / "validate.sarif").read_text())
    del broken["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]
    (tmp_path / "broken.sarif").write_text(json.dumps(broken))
    assert "GH2012" in {f["ruleId"] for f in _multitool_findings(tmp_path / "broken.sarif", tmp_path / "broken.out")}
