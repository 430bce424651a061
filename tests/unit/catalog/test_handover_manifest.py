"""The handover manifest and the server-model catalog: loading, fleet-wide checks, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.catalog.model import normalized_mac
from regionkit.catalog.validate import validate
from regionkit.errors import CatalogError

from ...conftest import REPO, TODAY, Edit


def test_shipped_server_models_carry_source_and_confidence() -> None:
    catalog = load_catalog(REPO)
    assert catalog.servers.models
    for model in catalog.servers.models.values():
        assert model.source and model.confidence
        for entry in [*model.firmware, *model.bios]:
            assert entry.source and entry.confidence


def test_shipped_server_models_name_known_accelerators() -> None:
    catalog = load_catalog(REPO)
    for key, model in catalog.servers.models.items():
        for sku in model.accelerators:
            assert sku in catalog.accelerators.accelerators, (key, sku)


def test_handover_model_count_must_match_the_accelerator(catalog_root: Path, edit: Edit) -> None:
    edit("servers.yml", lambda d: d["models"]["supermicro-sys-821ge-tnhr"].update(accelerator_count=4))
    report = validate(load_catalog(catalog_root), ["gb-lon-1"], today=TODAY)
    hits = [f for f in report.errors if f.validator == "handover.model"]
    assert hits and "holds 4 accelerators, H20 servers have 8" in hits[0].message


def test_handover_serial_is_unique_fleet_wide(catalog_root: Path, edit: Edit) -> None:
    def copy_manifest(d: dict[str, Any]) -> None:
        d["pools"][0]["servers"] = 1
        d["pools"][0]["handover"] = [
            {
                "hostname": "nl-ams-1a-h20-01",
                "management_address": "10.11.0.11",
                "bmc_address": "10.11.4.11",
                "bmc_mac": "02:00:00:00:00:01",
                "serial": "sn-ld8-0003",  # gb-lon-1's third server, in other case
                "model": "supermicro-sys-821ge-tnhr",
                "rack": "AM3-R01",
                "u": 10,
            }
        ]
        d["handover"] = {"source": "sheet", "credentials": {"username": "root", "password": {"env": "X"}}}

    edit("nl-ams-1", copy_manifest)
    report = validate(load_catalog(catalog_root), today=TODAY)
    found = {(f.region, f.path) for f in report.errors if f.validator == "net.handover"}
    # reported under both regions: either side may be the wrong one
    assert ("nl-ams-1", "pools[0].handover[0].serial") in found
    assert ("gb-lon-1", "pools[0].handover[2].serial") in found


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["pools"][0]["handover"][0].update(bmc_mac="7c:c2:55:19:04"), "handover[0].bmc_mac"),
        (lambda d: d["pools"][0]["handover"][0].update(serial="{{ lookup('pipe','id') }}"), "handover[0].serial"),
        (lambda d: d["pools"][0]["handover"][0].pop("rack"), "handover[0].rack"),
        (lambda d: d["handover"]["credentials"].update(password={"env": "X", "file": "/etc/x"}), "exactly one"),
        (lambda d: d["handover"]["credentials"].update(password={"value": "hunter2"}), "password.value"),
        (lambda d: d["handover"]["credentials"]["password"].update(env="lower-case"), "password.env"),
    ],
)
def test_handover_manifest_bad_input_is_one_located_line(catalog_root: Path, edit: Edit, change: Any, fragment: str) -> None:
    edit("gb-lon-1", change)
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_root)
    assert any(fragment in p and "inventories/gb-lon-1/region.yml:" in p for p in info.value.problems), info.value.problems


def test_firmware_baseline_needs_a_way_to_find_the_component(catalog_root: Path, edit: Edit) -> None:
    edit("servers.yml", lambda d: d["models"]["nvidia-dgx-h100"]["firmware"][0].pop("id_pattern"))
    with pytest.raises(CatalogError, match=r"servers.yml:\d+: models.nvidia-dgx-h100.firmware\[0\]"):
        load_catalog(catalog_root)


def test_missing_servers_file_names_the_fix(catalog_root: Path) -> None:
    (catalog_root / "inventories" / "servers.yml").unlink()
    with pytest.raises(CatalogError, match=r"inventories/servers\.yml: file is missing"):
        load_catalog(catalog_root)


@pytest.mark.parametrize("mac", ["7C:C2:55:1A:2B:3C", "7c-c2-55-1a-2b-3c", "7cc2551a2b3c"])
def test_mac_spellings_are_one_mac(mac: str) -> None:
    assert normalized_mac(mac) == "7c:c2:55:1a:2b:3c"


def test_schema_servers_is_json_schema_for_editors() -> None:
    from typer.testing import CliRunner

    from regionkit.commands.app import app

    result = CliRunner().invoke(app, ["--root", str(REPO), "schema", "servers"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert "ServerModelSpec" in schema["$defs"] and "FirmwareBaselineSpec" in schema["$defs"]
