"""Drift: the cloud wrapper against the fake `pulumi` replaying engine event logs (no change,
property drift, a deleted resource, an error, the ignore list), findings, redaction, the exit
code, and every report validated against its schema (JSON, JUnit XSD, SARIF 2.1.0)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from typer.testing import CliRunner

from regionkit.adapters.pulumi import engine
from regionkit.catalog.load import load_catalog
from regionkit.commands.app import app
from regionkit.planning import drift as d

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EVENTS = REPO / "tests" / "fixtures" / "pulumi_events"
SCHEMAS = REPO / "tests" / "fixtures" / "schemas"
REPORT_SCHEMA = REPO / "docs" / "schemas" / "drift-report.schema.json"
REGION = "br-sao-1"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[engine.EngineSettings, Path]:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    log = tmp_path / "pulumi.log"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "passphrase-never-in-reports")
    return engine.EngineSettings(root=tmp_path, pulumi_root=str(FAKE)), log


def cloud(settings: engine.EngineSettings, monkeypatch: pytest.MonkeyPatch, events: str, **env: str) -> d.LayerRun:
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / events))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    found = engine.drift_preview(settings, REGION)
    run = d.LayerRun("cloud", REGION)
    if found.errors:
        run.error = " | ".join(found.errors)
        return run.settle()
    return d.cloud_findings(REGION, found.steps, load_catalog(REPO).policy.drift.ignore, run)


def test_preview_is_read_only_with_refresh(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, log = fake
    run = cloud(settings, monkeypatch, "drift_nochange.jsonl")
    assert run.status == "clean" and len(run.checked) == 4 and not run.findings
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    ops = [c for c in calls if {"preview", "up", "refresh", "destroy"} & set(c)]
    assert len(ops) == 1 and "preview" in ops[0] and "--refresh" in ops[0] and "--diff" in ops[0]
    assert not any(word in c for c in calls for word in ("up", "refresh", "destroy", "import"))


def test_property_drift_expected_against_actual_and_ignore_list(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = cloud(fake[0], monkeypatch, "drift_property.jsonl")
    assert run.status == "drift"
    by_item = {(f.subject.rsplit("::", 1)[-1], f.item): f for f in run.findings}
    assert set(by_item) == {("br-sao-1-spa-gpu-ssh", "cidrIpv4"), ("br-sao-1-spa-mgmt", "tags.team")}
    ssh = by_item[("br-sao-1-spa-gpu-ssh", "cidrIpv4")]
    assert (ssh.expected, ssh.actual) == ("10.80.0.0/24", "0.0.0.0/0")
    assert ssh.message == "br-sao-1-spa-gpu-ssh: cidrIpv4 changed out of band: expected '10.80.0.0/24', found '0.0.0.0/0'"
    assert ssh.reconcile == f"regionkit up {REGION}"
    team = by_item[("br-sao-1-spa-mgmt", "tags.team")]
    assert (team.expected, team.actual) == (None, "ops")
    # tagsAll and the activation's computed `expired` are on the shipped ignore list, with reasons
    assert len(run.ignored) == 2 and all(": " in i for i in run.ignored)
    assert any("expired" in i for i in run.ignored) and any("tagsAll" in i for i in run.ignored)
    assert any(u.endswith("br-sao-1-spa-gpu-activation") for u in run.checked)  # only ignored props: as declared


def test_deleted_resource(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    run = cloud(fake[0], monkeypatch, "drift_deleted.jsonl")
    (f,) = run.findings
    assert f.message == "br-sao-1-spa-gpu-01 (aws:route53/record:Record) was deleted out of band"
    assert (f.expected, f.actual, run.status, len(run.checked)) == ("exists", "absent", "drift", 3)


def test_engine_error_is_an_error_not_drift(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    run = cloud(fake[0], monkeypatch, "drift_error.jsonl", FAKE_PULUMI_EXIT="255", FAKE_PULUMI_STDERR="error: preview failed")
    assert run.status == "error" and "AuthFailure" in run.error and not run.findings
    assert d.DriftReport([run], "now").exit_code == 1


def test_not_yet_applied_and_undeclared_resources() -> None:
    steps = [
        {"op": "create", "urn": "urn:pulumi:r::p::t::new", "type": "aws:ec2/subnet:Subnet"},
        {"op": "delete", "urn": "urn:pulumi:r::p::t::old", "type": "aws:ec2/subnet:Subnet"},
        {"op": "same", "urn": "urn:pulumi:r::p::pulumi:pulumi:Stack::s", "type": "pulumi:pulumi:Stack"},
    ]
    run = d.cloud_findings("r", steps, [], d.LayerRun("cloud", "r"))
    assert [f.message for f in run.findings] == [
        "new (aws:ec2/subnet:Subnet) is declared but not deployed",
        "old (aws:ec2/subnet:Subnet) is deployed but no longer declared",
    ]


def test_ignore_rules_are_scoped_by_region_and_need_a_reason() -> None:
    rule = d.DriftIgnoreSpec(type="aws:*", property="tags.*", reason="noise from a tagger", regions=["fr-par-1"])
    assert d._ignored([rule], "fr-par-1", "aws:ec2/vpc:Vpc", "tags.owner") is rule
    assert d._ignored([rule], REGION, "aws:ec2/vpc:Vpc", "tags.owner") is None
    with pytest.raises(ValueError, match="reason"):
        d.DriftIgnoreSpec(type="aws:*", property="x", reason="")


def test_exit_code_order() -> None:
    def run(status: str) -> d.LayerRun:
        r = d.LayerRun("health", "lab")
        r.status = status
        return r

    assert d.DriftReport([run("clean"), run("skipped")], "t").exit_code == 0
    assert d.DriftReport([run("clean"), run("drift")], "t").exit_code == 2
    assert d.DriftReport([run("drift"), run("unreachable")], "t").exit_code == 3
    assert d.DriftReport([run("unreachable"), run("error")], "t").exit_code == 1


SECRET = "hunter2-super-secret-value"


def sample_report() -> d.DriftReport:
    config = d.config_findings(
        "lab",
        [
            d.TaskChange("h1", "node_baseline", "Write kernel parameters", "template",
                         d.render_diff({"before": "a = 1\npassword = " + SECRET + "\n", "after": "a = 2\npassword = x\n",
                                        "before_header": "/etc/x.conf", "after_header": "/root/.ansible/tmp/ansible-local-1/x.j2"})),
            d.TaskChange("h1", "mirror_artifact", "Download", "get_url", "", failed=True, message=f"token={SECRET} refused"),
        ],
        {"h3": "ssh: connect to host 198.18.0.13 port 22: No route to host"},
        ["h1", "h2", "h3"],
        d.LayerRun("config", "lab"),
    )  # fmt: skip
    health = d.health_findings(
        "lab",
        [("h1", 0, "l0_kernel_parameters", "failed", "rmem_max"), ("h2", 2, "l2_devices", "not verified", "no device"),
         ("h2", 0, "l0_sshd_hardened", "passed", "")],
        d.LayerRun("health", "lab"),
    )  # fmt: skip
    cloud = d.cloud_findings(
        "br-sao-1",
        [{"op": "update", "urn": "urn:pulumi:b::regionkit::aws:ssm/activation:Activation::act",
          "type": "aws:ssm/activation:Activation",
          "old": {"inputs": {"activationCode": SECRET, "registrationLimit": 9}},
          "new": {"inputs": {"activationCode": "other-secret-code", "registrationLimit": 8}},
          "detailedDiff": {"registrationLimit": {"diffKind": "update"}, "activationCode": {"diffKind": "update"}}}],
        [], d.LayerRun("cloud", "br-sao-1"),
    )  # fmt: skip
    return d.DriftReport([cloud, config, health], "2026-11-23T00:00:00Z", 1.5)


def test_findings_name_host_role_task_and_the_reconcile_command() -> None:
    doc = sample_report().to_dict([SECRET])
    config = next(r for r in doc["runs"] if r["layer"] == "config")
    kinds = [(f["host"], f["role"], f["kind"]) for f in config["findings"]]
    assert kinds == [("h1", "node_baseline", "drift"), ("h1", "mirror_artifact", "drift"), ("h3", "", "unreachable")]
    assert config["findings"][0]["reconcile"] == "regionkit bootstrap lab --limit h1 --tags baseline"
    assert "declared (x.j2)" in config["findings"][0]["diff"] and "-a = 1" in config["findings"][0]["diff"]
    assert config["checked"] == ["h2"] and config["status"] == "unreachable"
    health = next(r for r in doc["runs"] if r["layer"] == "health")
    assert health["not_verified"] == ["h2 L2 l2_devices: no device"] and health["checked"] == ["h2 L0 l0_sshd_hardened"]
    assert doc["exit_code"] == 3


def test_no_report_holds_a_secret(tmp_path: Path) -> None:
    from regionkit.commands.drift import DriftFormat, render

    doc = sample_report().to_dict([SECRET])
    catalog = load_catalog(REPO)
    for fmt in DriftFormat:
        if fmt != DriftFormat.text:
            text = render(catalog, doc, fmt)
            assert SECRET not in text and "other-secret-code" not in text, fmt
    assert d.redact("api_key: abc123 and PASSWORD=xyz") == "api_key: *** and PASSWORD=***"
    assert d.redact("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----") == "***"


def test_reports_validate_against_their_schemas() -> None:
    from regionkit.commands.drift import DriftFormat, render

    doc = sample_report().to_dict([SECRET])
    catalog = load_catalog(REPO)
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(json.loads(render(catalog, doc, DriftFormat.json)))
    xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(render(catalog, doc, DriftFormat.junit))
    sarif = json.loads(render(catalog, doc, DriftFormat.sarif))
    jsonschema.Draft202012Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(sample_report().findings)
    md = render(catalog, doc, DriftFormat.markdown)
    assert md.startswith("## regionkit drift: unreachable hosts (exit 3)") and "```diff" in md


def test_schemas_catch_broken_reports() -> None:
    """The validators are live: a broken report is refused by each schema."""
    from regionkit.commands.drift import DriftFormat, render

    catalog = load_catalog(REPO)
    doc: dict[str, Any] = sample_report().to_dict()
    broken = json.loads(render(catalog, doc, DriftFormat.sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(broken)
    junit = render(catalog, doc, DriftFormat.junit).replace("<testcase ", '<testcase bogus="1" ', 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(junit)
    doc["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(doc)


def test_cli_cloud_layer_exit_codes_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "inventories", tmp_path / "inventories")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "passphrase-never-in-reports")
    runner = CliRunner()
    for events, code in (("drift_nochange.jsonl", 0), ("drift_property.jsonl", 2), ("drift_deleted.jsonl", 2)):
        monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / events))
        out = tmp_path / f"{events}.xml"
        result = runner.invoke(
            app, ["--root", str(tmp_path), "drift", REGION, "--layers", "cloud", "--format", "junit", "--output", str(out)]
        )
        assert result.exit_code == code, result.output
        xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(out.read_text())
        assert "passphrase-never-in-reports" not in result.output + out.read_text()
    bad = runner.invoke(app, ["--root", str(tmp_path), "drift", REGION, "--layers", "cloud,disks"])
    assert bad.exit_code == 4 and "--layers cloud,disks: unknown layer(s) disks" in bad.output
    both = runner.invoke(app, ["--root", str(tmp_path), "drift", REGION, "--all"])
    assert both.exit_code == 4


def test_a_loop_task_finding_names_the_items_that_would_change() -> None:
    change = d.TaskChange("h1", "node_baseline", "Write the baseline's configuration files", "template", "",
                          items=("/etc/sysctl.d/90-regionkit.conf",))  # fmt: skip
    run = d.config_findings("lab", [change], {}, ["h1"], d.LayerRun("config", "lab"))
    (finding,) = run.findings
    assert finding.message == (
        'h1 node_baseline: "Write the baseline\'s configuration files" (/etc/sysctl.d/90-regionkit.conf) would change'
    )


def test_config_layer_is_an_error_when_the_check_run_stops_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ansible-core's free strategy has crashed mid-play with a host's link down: the hosts it had
    not reached must not read as clean."""
    from regionkit.adapters.ansible import runner
    from regionkit.commands import drift as cmd

    stopped = runner.RunResult(
        tmp_path, {"a": runner.HostResult(ok=3)}, 1.0, "failed", "IndexError: list index out of range", finished=False
    )
    monkeypatch.setattr(runner, "run_playbook", lambda *a, **k: stopped)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    catalog = load_catalog(REPO)
    region = next(r for r in catalog.regions if r != "lab")
    run = cmd._config(catalog, region, tmp_path / "hosts.yml", ["a"], None)
    assert run.status == "error" and "stopped before the end of the play" in run.error and "IndexError" in run.error
