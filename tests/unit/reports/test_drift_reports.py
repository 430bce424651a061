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


def _presigned_urls() -> list[str]:
    """Signed URLs as the signers write them: botocore's SigV4 query auth (with a session token, as
    a role gives), SigV2, and OSS's V1 and V4 query signatures (Alibaba's documented parameters)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIAEXAMPLEKEY123456", aws_secret_access_key="s" * 40, aws_session_token="TOKEN" * 8
    )
    urls = [
        session.client("s3", region_name="sa-east-1", config=Config(signature_version=v)).generate_presigned_url(
            "get_object", Params={"Bucket": "rk-mirror", "Key": "artifacts/x.run"}, ExpiresIn=900
        )
        for v in ("s3v4", "s3")
    ]
    oss = "https://rk-mirror.oss-eu-central-1-internal.aliyuncs.com/artifacts/x.run"
    urls.append(f"{oss}?OSSAccessKeyId=LTAIexample&Expires=1767225600&Signature=abcDEF%2B123%3D&security-token=CAIStoken")
    urls.append(
        f"{oss}?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAIexample%2F20261206%2Feu-central-1%2Foss%2Faliyun_v4_request"
        "&x-oss-date=20261206T000000Z&x-oss-expires=900&x-oss-signature=0123abcd"
    )
    return urls


def test_a_presigned_url_in_a_finding_reaches_no_report_with_its_signature() -> None:
    """A failed download's message carries the URL it tried, and a presigned URL is a bearer token:
    every report shows where it pointed, never what signed it."""
    doc = sample_report().to_dict()
    urls = _presigned_urls()
    text = json.dumps(doc).replace("refused", "refused: " + " ".join(urls), 1)
    cleaned = redact_all(json.loads(text), [])
    for fmt in FORMATS:
        out = render(cleaned, fmt)
        for secret in ("TOKENTOKEN", "abcDEF", "CAIStoken", "0123abcd", "LTAIexample%2F20261206", "AKIAEXAMPLEKEY123456%2F"):
            assert secret not in out, (fmt, secret)
        assert "rk-mirror" in out and "artifacts/x.run" in out, fmt  # where it pointed stays readable
    assert redact("https://user:hunter22@mirror.example/x") == "https://user:***@mirror.example/x"


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
