"""execution-environment.yml as ansible-builder reads it: `ansible-builder create` writes the
build context, with what the roles and the lookup need on the controller."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO
from .conftest import VENV_BIN

pytestmark = pytest.mark.slow

DEFINITION = REPO / "execution-environment.yml"


def test_ansible_builder_creates_the_build_context(tmp_path: Path) -> None:
    context = tmp_path / "context"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-builder"), "create", "-f", str(DEFINITION), "-c", str(context), "--output-filename", "Containerfile"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "FROM $EE_BASE_IMAGE" in containerfile and 'ARG EE_BASE_IMAGE="docker.io/redhat/ubi9:latest"' in containerfile
    assert "botocore" in (context / "_build" / "requirements.txt").read_text()
    assert "openssh-clients" in (context / "_build" / "bindep.txt").read_text()


def test_execution_environment_pins_what_regionkit_supports() -> None:
    """The ranges of regionkit's `nodes` extra (what runs the roles): ansible-core, ansible-runner,
    and botocore within boto3's."""
    nodes = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["nodes"]
    pins = {re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0]: spec for spec in nodes}
    deps = yaml.safe_load(DEFINITION.read_text())["dependencies"]
    assert deps["ansible_core"]["package_pip"] == pins["ansible-core"]
    assert deps["ansible_runner"]["package_pip"] == pins["ansible-runner"]
    assert deps["python"] == [pins["boto3"].replace("boto3", "botocore")]
