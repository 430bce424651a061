"""The wheel as pip installs it, outside any clone: its content (stacks, playbooks, roles, the
shipped catalogs, the site templates) found through importlib.resources; the base install runs
`--help`, `init`, `validate` and `health check`, and a command that needs an extra names it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ..conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)], check=True, timeout=600)
    (built,) = out.glob("regionkit-*.whl")
    return built


def test_the_wheel_ships_the_content_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "regionkit/content/stacks/__main__.py", "regionkit/content/playbooks/site.yml",
        "regionkit/content/roles/node_baseline/tasks/main.yml", "regionkit/content/inventories/accelerators.yml",
        "regionkit/content/inventories/nl-ams-1/region.yml", "regionkit/content/templates/site/stacks/__main__.py",
        "regionkit/acceptance/test_l0_baseline.py",
    ):  # fmt: skip
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/") or ".regionkit" in n or n.endswith("hosts.yml")]
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: click" in text and "Provides-Extra: aws" in text and "Provides-Extra: lab" in text
    assert not [line for line in text.splitlines() if line.startswith("Requires-Dist: pulumi") and "extra ==" not in line]


def test_the_base_install_works_outside_any_clone(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True, timeout=900)
    rk = str(venv / "bin" / "regionkit")

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([rk, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})

    assert run("--help").returncode == 0
    assert run("init", "site").returncode == 0
    site = tmp_path / "site"
    validated = run("validate", cwd=site)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    capture = REPO / "tests" / "fixtures" / "real" / "nvidia" / "h100-sxm5-80gb_8gpu_smi-table_idle_drv565.txt"
    assert run("health", "check", "--tool", "nvidia-smi", str(capture)).returncode == 0
    planned = run("plan", "--all", cwd=site)
    assert planned.returncode == 1
    assert "pip install 'regionkit[aws] or regionkit[alicloud]'" in planned.stderr and "Traceback" not in planned.stderr
