"""The scheduled drift workflow and the GitLab example are valid for their CI systems (the
schemas check-jsonschema ships), and run what the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO

CHECK = Path(sys.executable).parent / "check-jsonschema"


@pytest.mark.parametrize(
    ("path", "schema"),
    [(".github/workflows/drift.yml", "vendor.github-workflows"), ("docs/examples/gitlab-drift.yml", "vendor.gitlab-ci")],
)
def test_ci_file_is_valid_for_its_system(path: str, schema: str) -> None:
    proc = subprocess.run([str(CHECK), "--builtin-schema", schema, str(REPO / path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (REPO / path).read_text()
    assert "regionkit drift" in text and "--format junit" in text


def test_workflow_installs_pulumi_runs_nightly_and_fails_on_drift() -> None:
    wf = yaml.safe_load((REPO / ".github/workflows/drift.yml").read_text())
    assert wf[True]["schedule"][0]["cron"]  # YAML reads the key `on` as True
    steps = wf["jobs"]["drift"]["steps"]
    assert any(s.get("uses", "").startswith("pulumi/actions") for s in steps)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s.get("if") == "always()" for s in steps)
    assert steps[-1]["if"] == "steps.drift.outputs.exit_code != '0'" and "exit 1" in steps[-1]["run"]
    assert wf["permissions"]["contents"] == "read"
