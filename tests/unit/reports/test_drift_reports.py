"""Drift's reports: JSON against our schema, JUnit against Jenkins' XSD, SARIF against the OASIS
2.1.0 schema (each validator shown refusing a broken report), Markdown, and no secret in any."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import xmlschema

from regionkit.reports.redact import redact, redact_all
from regionkit.services.drift import FORMATS, render

from ...conftest import REPO
from ..planning.test_drift import SECRET, sample_report

SCHEMAS = REPO / "tests" / "fixtures" / "schemas"
REPORT_SCHEMA = REPO / "docs" / "schemas" / "drift-report.schema.json"


def test_no_report_holds_a_secret() -> None:
    doc = redact_all(sample_report().to_dict(), [SECRET])
    for fmt in FORMATS:
        text = render(doc, fmt)
        assert SECRET not in text and "other-secret-code" not in text, fmt
    assert redact("api_key: abc123 and PASSWORD=xyz") == "api_key: *** and PASSWORD=***"
    assert redact("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----") == "***"


def test_reports_validate_against_their_schemas() -> None:
    doc = redact_all(sample_report().to_dict(), [SECRET])
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(json.loads(render(doc, "json")))
    xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(render(doc, "junit"))
    sarif = json.loads(render(doc, "sarif"))
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(sample_report().findings)
    md = render(doc, "markdown")
    assert md.startswith("## regionkit drift: unreachable hosts (exit 3)") and "```diff" in md


def test_schemas_catch_broken_reports() -> None:
    """The validators are live: a broken report is refused by each schema."""
    doc: dict[str, Any] = sample_report().to_dict()
    broken = json.loads(render(doc, "sarif"))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(broken)
    junit = render(doc, "junit").replace("<testcase ", '<testcase bogus="1" ', 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(junit)
    doc["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(doc)
