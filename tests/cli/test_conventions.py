"""What users expect of a CLI: -h, completion, --quiet/--verbose/--debug, --format json on every
command that reports anything, full-width output when piped, and one line naming the extra to
install when an engine library is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app

from ..conftest import REPO

runner = CliRunner()


def rk(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regionkit", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("args", [["-h"], ["lab", "-h"], ["mirror", "sync", "-h"], ["health", "check", "-h"], ["drift", "-h"]])
def test_dash_h_is_help(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_completion_is_on() -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_piped_tables_are_not_clipped() -> None:
    """`regionkit regions | cat`: a pipe is not an 80-column terminal; no cell loses its end."""
    out = rk("regions", env={"COLUMNS": ""}).stdout
    assert "…" not in out and "gdpr-ch5, nis2, enefg" in out  # the widest cell, whole


def test_quiet_prints_results_without_progress(catalog_root: Path) -> None:
    noisy = rk("--root", str(catalog_root), "inventory", "gb-lon-1")
    quiet = rk("--root", str(catalog_root), "-q", "inventory", "gb-lon-1")
    assert noisy.returncode == quiet.returncode == 0
    assert "wrote inventories/gb-lon-1/hosts.yml" in quiet.stdout


def test_verbose_says_where_it_reads_and_writes(catalog_root: Path) -> None:
    proc = rk("--root", str(catalog_root), "-v", "validate", "lab")
    assert f"catalog root {catalog_root}" in proc.stderr


def test_debug_shows_the_traceback_otherwise_hidden(tmp_path: Path) -> None:
    quiet = rk("--root", str(tmp_path), "validate")
    loud = rk("--root", str(tmp_path), "--debug", "validate")
    assert quiet.returncode == loud.returncode == 4
    assert "Traceback" not in quiet.stderr and quiet.stderr.count("\n") == 1
    assert "Traceback (most recent call last)" in loud.stderr and "no inventories/ folder" in loud.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["regions"], ["validate", "lab"], ["validators"], ["plan", "gb-lon-1"], ["inventory", "gb-lon-1"],
        ["drift", "br-sao-1", "--layers", "cloud"],
    ],
)  # fmt: skip
def test_format_json_is_one_document_on_stdout(args: list[str], catalog_root: Path) -> None:
    proc = rk("--root", str(catalog_root), *args, "--format", "json", env={"PATH": str(catalog_root)})
    json.loads(proc.stdout)  # progress and notes went to stderr
    assert proc.returncode in (0, 1, 2), proc.stderr


def test_a_missing_extra_is_one_line_naming_it(tmp_path: Path) -> None:
    """In an install without the aws/alicloud extras, `plan` says which extra to install."""
    shim = tmp_path / "sitecustomize.py"
    shim.write_text("import sys\nfor m in ('pulumi', 'pulumi_aws', 'pulumi_alicloud'):\n    sys.modules[m] = None\n")
    proc = rk("plan", "gb-lon-1", env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "error: this command needs pulumi, which regionkit installs with an extra: pip install 'regionkit[aws] or regionkit[alicloud]'"
    )
