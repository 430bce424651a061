"""Drift's domain: findings from engine steps, check-mode task results and acceptance checks, each
with its host, role and reconcile command; the ignore list; the exit code order."""

from __future__ import annotations

import pytest

from regionkit.adapters.ansible.playbook import site_roles
from regionkit.adapters.ansible.runner import render_diff
from regionkit.planning import drift as d
from regionkit.planning.results import CheckResult, HostResult, PropertyDiff, ResourceState, ResourceStep, TaskResult

from ...conftest import REPO

REGION = "br-sao-1"
SITE = site_roles(REPO / "playbooks" / "site.yml")
SECRET = "hunter2-super-secret-value"


def test_not_yet_applied_and_undeclared_resources() -> None:
    steps = [
        ResourceStep("create", "urn:pulumi:r::p::t::new", "aws:ec2/subnet:Subnet"),
        ResourceStep("delete", "urn:pulumi:r::p::t::old", "aws:ec2/subnet:Subnet"),
        ResourceStep("same", "urn:pulumi:r::p::pulumi:pulumi:Stack::s", "pulumi:pulumi:Stack"),
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
        {
            "h1": HostResult(ok=3, changed=1, failed=1, tasks=[
                TaskResult("node_baseline", "Write kernel parameters", "template", "changed",
                           render_diff({"before": "a = 1\npassword = " + SECRET + "\n", "after": "a = 2\npassword = x\n",
                                        "before_header": "/etc/x.conf", "after_header": "/root/.ansible/tmp/ansible-local-1/x.j2"})),
                TaskResult("mirror_artifact", "Download", "get_url", "failed", message=f"token={SECRET} refused"),
            ]),
            "h2": HostResult(ok=5),
            "h3": HostResult(unreachable=1, messages=["ssh: connect to host 198.18.0.13 port 22: No route to host"]),
        },
        SITE,
        d.LayerRun("config", "lab"),
    )  # fmt: skip
    health = d.health_findings(
        "lab",
        [CheckResult("h1", 0, "l0_kernel_parameters", "failed", "rmem_max", "node_baseline"),
         CheckResult("h2", 2, "l2_devices", "not verified", "no device"), CheckResult("h2", 0, "l0_sshd_hardened", "passed")],
        SITE,
        d.LayerRun("health", "lab"),
    )  # fmt: skip
    cloud = d.cloud_findings(
        "br-sao-1",
        [ResourceStep("update", "urn:pulumi:b::regionkit::aws:ssm/activation:Activation::act", "aws:ssm/activation:Activation",
                      old=ResourceState("act", {"activationCode": SECRET, "registrationLimit": 9}, {}),
                      new=ResourceState("act", {"activationCode": "other-secret-code", "registrationLimit": 8}, {}),
                      detailed_diff={"registrationLimit": PropertyDiff("update"), "activationCode": PropertyDiff("update")})],
        [], d.LayerRun("cloud", "br-sao-1"),
    )  # fmt: skip
    return d.DriftReport([cloud, config, health], "2026-11-23T00:00:00Z", 1.5)


def test_findings_name_host_role_task_and_the_reconcile_command() -> None:
    doc = sample_report().to_dict()
    config = next(r for r in doc["runs"] if r["layer"] == "config")
    kinds = [(f["host"], f["role"], f["kind"]) for f in config["findings"]]
    assert kinds == [("h1", "node_baseline", "drift"), ("h1", "mirror_artifact", "drift"), ("h3", "", "unreachable")]
    assert config["findings"][0]["reconcile"] == "regionkit bootstrap lab --limit h1 --tags baseline"
    assert "declared (x.j2)" in config["findings"][0]["diff"] and "-a = 1" in config["findings"][0]["diff"]
    assert config["checked"] == ["h2"] and config["status"] == "unreachable"
    health = next(r for r in doc["runs"] if r["layer"] == "health")
    assert health["not_verified"] == ["h2 L2 l2_devices: no device"] and health["checked"] == ["h2 L0 l0_sshd_hardened"]
    assert doc["exit_code"] == 3


def test_a_loop_task_finding_names_the_items_that_would_change() -> None:
    change = TaskResult("node_baseline", "Write the baseline's configuration files", "template", "changed",
                        items=("/etc/sysctl.d/90-regionkit.conf",))  # fmt: skip
    run = d.config_findings("lab", {"h1": HostResult(tasks=[change])}, SITE, d.LayerRun("config", "lab"))
    (finding,) = run.findings
    assert finding.message == (
        'h1 node_baseline: "Write the baseline\'s configuration files" (/etc/sysctl.d/90-regionkit.conf) would change'
    )


def test_a_health_finding_leads_with_the_recommended_action() -> None:
    checks = [
        CheckResult("h1", 2, "l2_devices_present_and_healthy", "failed", "nvidia-smi-csv: 1: uncorrectable ECC (reset the device)",
                    verdict="fail", actions=("reset the device", "drain")),
        CheckResult("h1", 2, "l2_dcgm_level1", "failed", "dcgmi-diag: no test result (re-run)", verdict="unknown",
                    actions=("re-run",)),
        CheckResult("h2", 2, "l2_persistence_mode", "failed", "nvidia-smi-csv: persistence mode is off on device(s) 0",
                    "nvidia_driver", verdict="fail"),
        CheckResult("h2", 2, "l2_rdma_links_up", "failed", "RDMA links not up: mlx5_0 port 1: DOWN"),
        CheckResult("h2", 2, "l2_no_xid_or_fallen_gpu", "passed", "kernel-log: Xid 13 (re-run)", verdict="warn",
                    actions=("re-run",), notes=("kernel-log: Xid 13 (re-run)",)),
        CheckResult("", 3, "l3_allreduce_across_hosts", "failed", "allreduce-bench: peak busbw under the floor (drain)",
                    verdict="fail", actions=("drain",)),
    ]  # fmt: skip
    run = d.health_findings("lab", checks, SITE, d.LayerRun("health", "lab"))
    assert [f.reconcile for f in run.findings] == [
        "drain h1 and reset the device (also recommended: drain), then: regionkit verify lab --level 2 --limit h1",
        "re-run the check: regionkit verify lab --level 2 --limit h1",
        "regionkit bootstrap lab --limit h2 --tags accelerator",
        "inspect the device; re-check: regionkit verify lab --level 2 --limit h2",
        "drain the hosts and investigate, then: regionkit verify lab --level 3",
    ]
    assert run.findings[1].message == "h1 L2 l2_dcgm_level1: unknown: dcgmi-diag: no test result (re-run)"
    assert run.checked == ["h2 L2 l2_no_xid_or_fallen_gpu (warn: kernel-log: Xid 13 (re-run))"] and run.status == "drift"
