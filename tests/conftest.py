"""Shared fixtures: a writable copy of the shipped catalog, and a way to plant errors in it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 23)  # validators that read the date get a fixed one in tests

Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    """A private copy of inventories/ (region.yml and shared files only)."""
    src = REPO / "inventories"
    dst = tmp_path / "inventories"
    dst.mkdir()
    for f in ("accelerators.yml", "partners.yml", "policy.yml", "servers.yml"):
        shutil.copy(src / f, dst / f)
    for region in src.iterdir():
        if (region / "region.yml").exists():
            (dst / region.name).mkdir()
            shutil.copy(region / "region.yml", dst / region.name / "region.yml")
    return tmp_path


@pytest.fixture
def edit(catalog_root: Path) -> Edit:
    """edit("nl-ams-1", fn) loads that region's YAML (or a shared file's), lets fn change it, writes it back."""

    def apply(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        inv = catalog_root / "inventories"
        path = inv / name if name.endswith(".yml") else inv / name / "region.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return apply


# tests/infra holds the testinfra suites `regionkit verify` runs against real hosts; they need
# an inventory and are not part of the project's own test run.
collect_ignore = [] if os.environ.get("REGIONKIT_VERIFY") == "1" else ["infra"]
