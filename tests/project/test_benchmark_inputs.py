"""The benchmarks' generated catalogs stay valid as the model changes (a benchmark that
measures a load error measures nothing)."""

from __future__ import annotations

import sys
from pathlib import Path

from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import validate

from ..conftest import REPO, TODAY

sys.path.insert(0, str(REPO / "tests" / "benchmarks"))

import plan_stacks
import validate_catalog


def test_validate_benchmark_fleet_loads_clean(tmp_path: Path) -> None:
    root = validate_catalog.make_fleet(3, tmp_path)
    assert validate(load_catalog(root), today=TODAY).errors == []


def test_plan_benchmark_regions_load_clean(catalog_root: Path) -> None:
    for key, zones, first in (("zz-bnc-1", 2, 40), ("zz-bnc-2", 20, 44)):
        (catalog_root / "inventories" / key).mkdir()
        (catalog_root / "inventories" / key / "region.yml").write_text(plan_stacks.region_yaml(key, zones, 2, first))
    report = validate(load_catalog(catalog_root), ["zz-bnc-1", "zz-bnc-2"], today=TODAY)
    assert report.errors == []
