"""The Molecule scenarios (extensions/molecule/, one per vendor role and for node_baseline): each
targets a lab host that `regionkit lab up --nodes N` really builds, in a pool of the role's vendor,
and molecule itself reads them (its syntax step). The scenarios run on the lab: see
extensions/molecule/config.yml."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from regionkit.catalog.load import load_catalog
from regionkit.planning.lab import plan_lab

from ..conftest import REPO
from .conftest import VENV_BIN

CATALOG = load_catalog(REPO)
SCENARIOS = REPO / "extensions" / "molecule"
VENDOR_ROLES = yaml.safe_load((REPO / "roles/accelerator_node/defaults/main.yml").read_text())["accelerator_node_vendor_roles"]


def scenario(name: str) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((SCENARIOS / name / "molecule.yml").read_text())
    return data


def test_every_vendor_role_and_node_baseline_has_a_scenario() -> None:
    found = {p.parent.name for p in SCENARIOS.glob("*/molecule.yml")}
    assert found == {"node_baseline", *VENDOR_ROLES.values()}


@pytest.mark.parametrize("role", ["node_baseline", *VENDOR_ROLES.values()])
def test_scenario_targets_a_lab_host_of_its_vendor(role: str) -> None:
    data = scenario(role)
    nodes = int(data["ansible"]["env"]["REGIONKIT_LAB_NODES"])  # type: ignore[index]
    (platform,) = data["platforms"]  # type: ignore[misc]
    plan = plan_lab(CATALOG, nodes)
    pools = {p.name: p for p in plan.pools}
    (host,) = [h for h in plan.hosts if h.name == platform["name"]]
    assert platform["groups"] == ["molecule"] and data["verifier"]["options"]["hosts"] == host.name  # type: ignore[index]
    if role in VENDOR_ROLES.values():
        assert VENDOR_ROLES[pools[host.pool].vendor] == role
    assert list((SCENARIOS / role / "tests").glob("test_*.py"))


@pytest.mark.slow
def test_molecule_reads_every_scenario() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    argv = [str(VENV_BIN / "molecule"), "syntax", "--all"]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    said = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    assert proc.returncode == 0, said
    for role in ["node_baseline", *VENDOR_ROLES.values()]:
        assert f"{role} ➜ syntax: Executed: Successful" in said, said
