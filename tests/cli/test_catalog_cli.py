"""`regionkit regions`, `validate` and `schema` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app

from ..conftest import REPO, Edit

runner = CliRunner()


def run(*args: str, root: Path = REPO) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--root", str(root), *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_regions_table_lists_every_region() -> None:
    code, out, _ = run("regions")
    assert code == 0
    for key in ("nl-ams-1", "de-fra-1", "lab", "ae-dxb-1"):
        assert key in out


def test_regions_json_has_power_and_regimes() -> None:
    code, out, _ = run("regions", "--format", "json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["fr-par-1"]["regimes"] == ["gdpr-ch5", "nis2", "secnumcloud"]
    assert rows["de-fra-1"]["power_kw"] == 464.8 and rows["de-fra-1"]["contracted_kw"] == 900
    assert rows["mx-qro-1"]["status"] == "planned"


def test_regions_json_says_which_stacks_were_created(catalog_root: Path) -> None:
    """`up` writes the stack's salt into the committed stack file when it creates the stack; the nightly
    workflow runs only those regions."""
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    code, out, _ = run("regions", "--format", "json", root=catalog_root)
    assert code == 0 and not any(r["applied"] for r in json.loads(out))  # as shipped: nothing created
    stack = catalog_root / "stacks" / "Pulumi.de-fra-1.yaml"
    stack.write_text(stack.read_text() + "encryptionsalt: v1:c2FsdA==:v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBB\n")
    code, out, _ = run("regions", "--format", "json", root=catalog_root)
    assert [r["key"] for r in json.loads(out) if r["applied"]] == ["de-fra-1"]


def test_validate_shipped_catalog_is_clean() -> None:
    code, out, _ = run("validate")
    assert code == 0, out
    assert "0 errors" in out


def test_validate_json_lists_findings_with_location(catalog_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["zones"][1].update(contracted_kw=100))
    code, out, _ = run("validate", "nl-ams-1", "--format", "json", root=catalog_root)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["errors"] == 1
    (finding,) = [f for f in doc["findings"] if f["severity"] == "error"]
    assert finding["validator"] == "power.contract"
    assert finding["file"] == "inventories/nl-ams-1/region.yml" and finding["line"] > 1


def test_validate_malformed_catalog_exits_4_with_one_line(catalog_root: Path) -> None:
    path = catalog_root / "inventories" / "lab" / "region.yml"
    path.write_text(path.read_text().replace("status: live", "status: [live"))
    code, out, err = run("validate", root=catalog_root)
    assert code == 4
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: inventories/lab/region.yml:")
    assert "Traceback" not in out + err


def test_validate_unknown_region_exits_4() -> None:
    code, _, err = run("validate", "xx-nowhere-1")
    assert code == 4 and "known regions" in err


def test_bad_option_exits_4() -> None:
    code, _, _ = run("validate", "--format", "yaml")
    assert code == 4


def test_schema_is_json_schema_for_region() -> None:
    code, out, _ = run("schema")
    doc = json.loads(out)
    assert code == 0 and doc["title"] == "RegionSpec" and "zones" in doc["properties"]


@pytest.mark.parametrize("command", [[], ["regions"], ["validate"], ["validators"], ["schema"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_console_script_runs_from_a_subfolder() -> None:
    """The installed entry point finds the catalog from the current directory upward."""
    proc = subprocess.run(
        [sys.executable, "-m", "regionkit", "validate", "lab"],
        cwd=REPO / "inventories" / "lab",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
