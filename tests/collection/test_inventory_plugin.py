"""The collection's inventory plugin yields the same hosts, groups and variables as `regionkit
inventory` (ansible-inventory over both, compared whole), with values never templated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from regionkit.acceptance.conftest import plain

from ..conftest import REPO

BIN = Path(sys.executable).parent


def inventory(source: Path) -> dict[str, object]:
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), "--list"], capture_output=True, text=True, check=True, cwd=REPO,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )  # fmt: skip
    doc: dict[str, object] = json.loads(listed.stdout)
    return doc


def test_the_plugin_yields_what_regionkit_inventory_renders(catalog_root: Path) -> None:
    region = catalog_root / "inventories" / "gb-lon-1"
    subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(catalog_root), "inventory", "gb-lon-1"], check=True, capture_output=True
    )
    rendered = inventory(region / "hosts.yml")
    (region / "hosts.yml").rename(catalog_root / "rendered.yml")  # the plugin alone, beside the same group_vars
    config = region / "regionkit.yml"
    config.write_text(config.read_text() + "source: plan\n")
    plugin = inventory(config)
    assert plugin == rendered
    hostvars = plugin["_meta"]["hostvars"]["gb-lon-1a-h20-04"]  # type: ignore[index]
    assert hostvars["regionkit_serial"] == {"__ansible_unsafe": "SN-LD8-0004"}  # never templated
    assert plain(hostvars)["regionkit_software"]["driver"] == "535.261.03"


def test_graph_works_and_a_bad_region_is_one_clear_error(catalog_root: Path, tmp_path: Path) -> None:
    config = catalog_root / "inventories" / "gb-lon-1" / "regionkit.yml"
    config.write_text(config.read_text() + "source: plan\n")
    graph = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(config), "--graph"], capture_output=True, text=True, cwd=REPO)
    assert "@gb_lon_1a_h20" in graph.stdout and "gb-lon-1a-h20-01" in graph.stdout
    bad = tmp_path / "regionkit.yml"
    shutil.copy(config, bad)
    bad.write_text(bad.read_text().replace("region: gb-lon-1", "region: zz-nowhere-1") + f"catalog: {catalog_root}\n")
    out = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(bad), "--list"], capture_output=True, text=True, cwd=REPO)
    assert "unknown region 'zz-nowhere-1'" in out.stderr
