"""Committed operator overrides, inventories/<region>/group_vars/all/<component>.yml: every
commented input names a real input of that role (its argument spec), so the files cannot rot;
each region has a file for each role its pools run; and the precedence their header promises is
Ansible's own (ansible-inventory)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from regionkit.catalog.load import load_catalog

from ..conftest import REPO
from .conftest import VENV_BIN

CATALOG = load_catalog(REPO)
ROLES = REPO / "roles"
VENDOR_ROLES = yaml.safe_load((ROLES / "accelerator_node" / "defaults" / "main.yml").read_text())["accelerator_node_vendor_roles"]
COMMENTED = re.compile(r"^# ([a-z][a-z0-9_]*): (.+)$")
OVERRIDES = sorted(p for p in REPO.glob("inventories/*/group_vars/all/*.yml") if (ROLES / p.stem).is_dir())


def role_inputs(role: str) -> set[str]:
    spec = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    return set(spec["argument_specs"]["main"]["options"])


def commented(path: Path) -> dict[str, str]:
    return {m[1]: m[2] for line in path.read_text().splitlines() if (m := COMMENTED.match(line))}


def test_every_region_with_pools_has_its_override_files() -> None:
    for key in CATALOG.regions:
        if key == "lab":  # its settings are its own (lab.yml), not operators'
            continue
        region = CATALOG.region(key)
        vendors = {CATALOG.accelerators.accelerators[p.accelerator].vendor for p in region.pools}
        expected = {"node_baseline", "rdma", "collectives"} | {VENDOR_ROLES[v] for v in vendors if v in VENDOR_ROLES}
        found = {p.stem for p in OVERRIDES if p.parts[-4] == key}
        assert found == expected, key


@pytest.mark.parametrize("path", OVERRIDES, ids=lambda p: str(p.relative_to(REPO / "inventories")))
def test_override_file_names_only_real_inputs_of_its_role(path: Path) -> None:
    inputs = commented(path)
    assert inputs, f"{path}: no commented input"
    unknown = sorted(set(inputs) - role_inputs(path.stem))
    assert unknown == [], f"{path}: {unknown} are not inputs of roles/{path.stem} (meta/argument_specs.yml)"
    for name, value in inputs.items():
        yaml.safe_load(f"{name}: {value}")  # uncommenting a line gives valid YAML


@pytest.mark.parametrize("path", OVERRIDES, ids=lambda p: str(p.relative_to(REPO / "inventories")))
def test_override_file_sets_nothing_until_an_operator_does(path: Path) -> None:
    assert yaml.safe_load(path.read_text()) is None


def test_lab_settings_name_real_inputs() -> None:
    settings = yaml.safe_load((REPO / "inventories/lab/group_vars/all/lab.yml").read_text())
    known = set().union(*(role_inputs(p.name) for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists()))
    assert set(settings) <= known


def test_lab_firewall_ranges_are_the_lab_regions() -> None:
    """lab.yml writes the lab's ranges (lab hosts stand in for other regions on the lab's network):
    they must be those inventories/lab/region.yml declares."""
    settings = yaml.safe_load((REPO / "inventories/lab/group_vars/all/lab.yml").read_text())
    region = CATALOG.region("lab")
    management = [str(z.network.management) for z in region.zones]
    assert settings["node_baseline_firewall_ssh_sources"] == settings["node_baseline_firewall_collective_sources"] == management
    assert settings["node_baseline_firewall_metrics_sources"] == [str(region.network.monitoring)]


def test_group_vars_all_win_over_the_rendered_inventory(tmp_path: Path) -> None:
    """What the files' header says: a value in group_vars/all/ beats the same variable on `all` and
    on a pool group in hosts.yml (Ansible's VARIABLE_PRECEDENCE)."""
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "hosts.yml").write_text(
        yaml.safe_dump({"all": {"vars": {"x": "all", "y": "all"}, "children": {"pool": {"vars": {"x": "pool"}, "hosts": {"h1": {}}}}}})
    )
    (tmp_path / "group_vars" / "all" / "node_baseline.yml").write_text("---\nx: operator\n# y: commented\n")
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", str(tmp_path / "hosts.yml"), "--host", "h1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"x": "operator", "y": "all"}
