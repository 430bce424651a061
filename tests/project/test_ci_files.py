"""The CI files: valid for their CI systems (the schemas check-jsonschema ships), clean under zizmor
(offline, no finding at medium or above), every action pinned to a full commit SHA, no `${{ }}`
expression inside a `run:` script, least-privilege permissions, and the nightly drift run passing
on a fresh checkout (no region's stack created: nothing to check)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import REPO

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
GITLAB = [REPO / "docs" / "examples" / "gitlab-drift.yml", REPO / "docs" / "examples" / "gitlab-merge-request.yml"]
CHILDREN = REPO / "docs" / "examples" / "gitlab_children.py"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d")


def workflow(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def steps(wf: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in wf["jobs"].items() for step in job.get("steps", [])]


def check_schema(schema: str, *paths: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, paths)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_are_valid_github_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["drift.yml", "pull-request.yml"]
    check_schema("vendor.github-workflows", *WORKFLOWS)


@pytest.mark.parametrize("applied", [[], ["br-sao-1", "de-fra-1"]])
def test_gitlab_examples_and_the_child_pipelines_they_write_are_valid_gitlab_ci(tmp_path: Path, applied: list[str]) -> None:
    regions = [{"key": k, "applied": k in applied} for k in ("br-sao-1", "de-fra-1", "lab", "nl-ams-1")]
    (tmp_path / "regions.json").write_text(json.dumps(regions))
    children = []
    for name in ("drift", "preview"):
        out = subprocess.run(
            [sys.executable, str(CHILDREN), name, str(tmp_path / "regions.json")], capture_output=True, text=True, check=True
        )
        child = tmp_path / f"child-{name}.yml"
        child.write_text(out.stdout)
        jobs = {k for k in yaml.safe_load(out.stdout) if not k.startswith(".") and k != "stages"}
        assert len(jobs) == max(1, len(applied)), jobs  # one job per created stack (or the one that says none)
        if "drift" in name:
            assert all(f"regionkit-{k}" in out.stdout for k in applied)  # each on its region's own runner
        children.append(child)
    check_schema("vendor.gitlab-ci", *GITLAB, *children)


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_offline_finds_nothing_at_medium_or_above(persona: str) -> None:
    """The auditor persona too: its one finding here, the self-hosted runner drift needs, is ignored in
    the workflow itself with the reason beside it."""
    args = ["--offline", "--no-progress", "--persona", persona, "--min-severity", "medium", "--format", "json"]
    proc = subprocess.run(
        [str(BIN / "zizmor"), *args, str(REPO / ".github")], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode == 0 and findings == [], [(f["ident"], f["desc"]) for f in findings] or proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_tag(path: Path) -> None:
    uses = [line for line in path.read_text().splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]
    assert uses and all(PINNED.match(line) for line in uses), [u for u in uses if not PINNED.match(u)]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_inside_a_run_script(path: Path) -> None:
    """Values reach scripts through `env:`; an expression expanded into a script is code injection."""
    inside = [
        (job, step.get("name", step["run"][:40])) for job, step in steps(workflow(path)) if "run" in step and "${{" in step["run"]
    ]
    assert inside == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_granted_per_job_and_checkouts_keep_no_credentials(path: Path) -> None:
    wf = workflow(path)
    assert wf["permissions"] == {}
    assert all("permissions" in job for job in wf["jobs"].values())
    checkouts = [s for _, s in steps(wf) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)
    writes = {name: job["permissions"] for name, job in wf["jobs"].items() if "write" in job["permissions"].values()}
    for name, grants in writes.items():
        assert set(grants) <= {"contents", "id-token", "security-events", "pull-requests"}, (name, grants)
        assert grants.get("contents", "read") == "read", name


def test_drift_runs_each_region_on_its_own_runner_from_its_stacks_inventory() -> None:
    wf = workflow(REPO / ".github" / "workflows" / "drift.yml")
    assert wf[True]["schedule"][0]["cron"]  # YAML reads the key `on` as True
    job = wf["jobs"]["drift"]
    assert job["runs-on"] == ["self-hosted", "linux", "regionkit-${{ matrix.region }}"]
    assert job["needs"] == "regions" and job["if"] == "needs.regions.outputs.any == 'true'"
    assert job["env"]["REGION"] == "${{ matrix.region }}"
    runs = [s.get("run", "") for s in job["steps"]]
    inventory = next(i for i, r in enumerate(runs) if 'regionkit inventory "$REGION" --from stack' in r)
    drift = next(i for i, r in enumerate(runs) if 'regionkit drift "$REGION"' in r)
    assert inventory < drift and "--format junit" in runs[drift]
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") and s.get("if") == "always()" for s in job["steps"])
    assert job["steps"][-1]["if"] == "steps.drift.outputs.exit_code != '0'" and "exit 1" in job["steps"][-1]["run"]


def test_the_nightly_run_passes_on_a_fresh_checkout(tmp_path: Path) -> None:
    """The `regions` job's own script, run on this checkout (no stack created): no region to check,
    so the per-region job is skipped and the workflow passes."""
    wf = workflow(REPO / ".github" / "workflows" / "drift.yml")
    script = next(s["run"] for s in wf["jobs"]["regions"]["steps"] if s.get("id") == "keys")
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
    subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    assert outputs.read_text().splitlines() == ["keys=[]", "any=false"]
    assert "nothing to check" in summary.read_text()


def test_pull_request_workflow_validates_plans_checks_policy_then_previews_on_the_pull_request() -> None:
    wf = workflow(REPO / ".github" / "workflows" / "pull-request.yml")
    jobs = wf["jobs"]
    assert [jobs[j].get("needs") for j in ("validate", "plan", "policy", "regions", "preview")] == [
        None,
        "validate",
        "plan",
        "policy",
        "regions",
    ]
    validate = "\n".join(s.get("run", "") for s in jobs["validate"]["steps"])
    assert "regionkit validate --format sarif > reports/validate.sarif" in validate
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in jobs["validate"]["steps"])
    preview = next(s for s in jobs["preview"]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert preview["with"]["command"] == "preview" and preview["with"]["comment-on-pr"] is True
    # The CLI resolves pack paths from its working directory (work-dir: stacks), so they are absolute
    assert preview["with"]["policyPacks"] == "${{ github.workspace }}/stacks/policy"
    assert preview["with"]["policyPackConfigs"].startswith("${{ github.workspace }}/reports/")
    assert jobs["preview"]["permissions"]["pull-requests"] == "write"
    guard = "\n".join(s.get("run", "") for s in jobs["preview"]["steps"])
    assert 'if [ -z "$BACKEND" ]' in guard  # an empty cloud-url would log in to Pulumi Cloud
