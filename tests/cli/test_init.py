"""`regionkit init DIR`: a new site that validates and plans right away, with the installed tool's
program behind a shim (no copy of regionkit's code); init never overwrites."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from regionkit.commands.app import app

runner = CliRunner()


def test_a_new_site_validates_and_plans(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = runner.invoke(app, ["init", str(site)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (site / "inventories").iterdir()) == [
        "accelerators.yml", "clouds.yml", "nl-ams-1", "partners.yml", "policy.yml", "servers.yml",
    ]  # fmt: skip
    shim = (site / "stacks" / "__main__.py").read_text()
    assert "run_stack_program()" in shim and len(shim.splitlines()) <= 6  # a shim, not the program
    assert ".regionkit/" in (site / ".gitignore").read_text()
    assert "host_key_checking = True" in (site / "ansible.cfg").read_text()
    for args in (["validate"], ["plan", "--all"]):
        proc = subprocess.run([sys.executable, "-m", "regionkit", *args], cwd=site, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nl-ams-1" in proc.stdout


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 4 and "init never overwrites" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_refresh_rewrites_only_what_names_the_installation(tmp_path: Path) -> None:
    site = tmp_path / "site"
    runner.invoke(app, ["init", str(site)])
    region = site / "inventories" / "nl-ams-1" / "region.yml"
    region.write_text(region.read_text() + "# my own edit\n")
    (site / "ansible.cfg").write_text("stale\n")
    result = runner.invoke(app, ["init", "--refresh", str(site)])
    assert result.exit_code == 0, result.output
    assert "roles_path" in (site / "ansible.cfg").read_text()
    assert region.read_text().endswith("# my own edit\n")


def test_outside_any_catalog_commands_say_how_to_make_one(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "regionkit", "validate"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 4 and "no inventories/ folder here or above" in proc.stderr and "regionkit init" in proc.stderr
