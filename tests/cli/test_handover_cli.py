"""`regionkit handover` as an operator runs it, against emulated BMCs on loopback: a copy of the
shipped catalog whose gb-lon-1 (the region with a manifest) is moved onto a 127.x range, its four
BMCs served by the emulator there. Exit codes, the JSON contract, the reports per rack, the record
the inventory reads, rotation, and the password canary."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from regionkit.adapters.redfish.emulator import BmcFleet, EmulatedBmc, free_port, identity_from_manifest, private_cert_dir
from regionkit.catalog.load import load_catalog
from regionkit.commands.app import app
from regionkit.services.handover import held_back_servers
from regionkit.services.session import Session

REGION = "gb-lon-1"
FACTORY = "factory-Canary-3c9e1a77"  # must appear nowhere but in the BMC's own memory and the env
SITE = "site-Canary-d04b6f12"
runner = CliRunner()


@dataclass
class Site:
    root: Path
    bmcs: dict[str, EmulatedBmc]
    fleet: BmcFleet


@pytest.fixture
def site(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The catalog copy, gb-lon-1 on 127.N.0.0/16, and its four BMCs up (as the manifest declares them)."""
    octet = random.randint(100, 250)
    region_file = catalog_root / "inventories" / REGION / "region.yml"
    text = region_file.read_text().replace("10.19.", f"127.{octet}.")
    port = free_port(f"127.{octet}.4.11")
    data = yaml.safe_load(text)
    data["handover"]["port"] = port
    # loopback is no region's address space (net.supernet): this catalog says why it uses it
    data["suppress"] = [*data.get("suppress", []), {"validator": "net.supernet", "reason": "test: BMCs emulated on loopback"}]
    region_file.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("RK_GB_LON_1_BMC_PASSWORD", FACTORY)
    monkeypatch.setenv("RK_GB_LON_1_BMC_SITE_PASSWORD", SITE)
    catalog = load_catalog(catalog_root)
    entries = catalog.regions[REGION].pools[0].handover
    certs = private_cert_dir()
    bmcs = {
        e.hostname: EmulatedBmc(
            identity_from_manifest(e, catalog.servers.models[e.model], username="ADMIN", password=FACTORY, port=port), certs
        )
        for e in entries
    }
    try:
        with BmcFleet(bmcs.values()) as fleet:
            yield Site(catalog_root, bmcs, fleet)
    finally:
        shutil.rmtree(certs, ignore_errors=True)


def handover(root: Path, *args: str) -> tuple[int, Any, str]:
    result = runner.invoke(app, ["--root", str(root), "handover", REGION, "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    doc = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, doc, result.stderr


def verdicts(doc: dict[str, Any]) -> dict[str, str]:
    return {s["server"]: s["verdict"] for s in doc["servers"]}


def test_handover_accepts_every_server_as_declared(site: Site) -> None:
    root, bmcs = site.root, site.bmcs
    code, doc, _ = handover(root)
    assert code == 0, doc
    assert verdicts(doc) == dict.fromkeys(bmcs, "accepted")
    for entry in doc["servers"]:
        assert set(entry) >= {"server", "verdict", "reasons", "rack", "u", "serial", "read_at"} and entry["reasons"] == []
    assert doc["unlisted"] == [] and doc["swept"] > 1000  # the zone's /22, less the reserved addresses
    report = Path(doc["report"]).read_text()
    assert "Equinix LD8 handover sheet LD8-HO-0412" in report
    assert report.count("## Rack ") == 2 and "## Rack LD8-R01" in report and "## Rack LD8-R02" in report
    assert report.count("signature ____") == 4  # partner and operator, per rack
    html = (Path(doc["report"]).parent / "report.html").read_text()
    assert html.count("<h2>Rack ") == 2 and doc["servers"][0]["read_at"][:10] in html
    assert held_back_servers(Session(root), REGION) == {}


@pytest.mark.parametrize(
    ("fault", "kind", "code"),
    [("serial", "serial", 1), ("firmware", "firmware", 1), ("bios", "bios", 1), ("unreachable", "unreachable", 3)],
)
def test_a_faulted_server_is_rejected_named_and_held_back(site: Site, fault: str, kind: str, code: int) -> None:
    root = site.root
    name = "gb-lon-1a-h20-03"
    site.fleet.set_fault(name, fault)
    got, doc, _ = handover(root)
    assert got == code
    assert {s: v for s, v in verdicts(doc).items() if v != "accepted"} == {name: "rejected"}
    (bad,) = [s for s in doc["servers"] if s["server"] == name]
    assert [r["kind"] for r in bad["reasons"]] == [kind] and bad["reasons"][0]["fix"]
    held = held_back_servers(Session(root), REGION)
    assert list(held) == [name] and "rejected at handover" in held[name]


def test_a_changed_serial_in_the_manifest_rejects_that_server(site: Site) -> None:
    root = site.root
    region_file = root / "inventories" / REGION / "region.yml"
    region_file.write_text(region_file.read_text().replace("serial: SN-LD8-0002", "serial: SN-LD8-0992"))
    code, doc, _ = handover(root)
    assert code == 1
    (bad,) = [s for s in doc["servers"] if s["verdict"] != "accepted"]
    assert bad["server"] == "gb-lon-1a-h20-02"
    assert bad["reasons"][0]["kind"] == "serial" and "SN-LD8-0992" in bad["reasons"][0]["message"]


def test_an_accepted_verdict_lapses_when_its_manifest_entry_changes(site: Site) -> None:
    root = site.root
    assert handover(root)[0] == 0
    region_file = root / "inventories" / REGION / "region.yml"
    region_file.write_text(region_file.read_text().replace("u: 28\n", "u: 30\n", 1))
    held = held_back_servers(Session(root), REGION)
    assert list(held) == ["gb-lon-1a-h20-02"] and "manifest entry changed" in held["gb-lon-1a-h20-02"]


def test_an_unlisted_bmc_on_the_range_is_reported_never_admitted(site: Site, tmp_path: Path) -> None:
    root, bmcs = site.root, site.bmcs
    catalog = load_catalog(root)
    entry = catalog.regions[REGION].pools[0].handover[0]
    rogue_address = str(entry.bmc_address + 40)
    port = next(iter(bmcs.values())).identity.port
    identity = identity_from_manifest(entry, catalog.servers.models[entry.model], username="x", password="y" * 8, port=port)
    identity.address, identity.name = rogue_address, "rogue"
    with BmcFleet([EmulatedBmc(identity, tmp_path)]):
        code, doc, _ = handover(root)
        limited, _, _ = handover(root, "--limit", entry.hostname)  # a limited run reads, never sweeps
    assert code == 1 and limited == 0
    assert [u["server"] for u in doc["unlisted"]] == [rogue_address]
    assert doc["unlisted"][0]["verdict"] == "unlisted" and "SYS-821GE-TNHR" in doc["unlisted"][0]["reasons"][0]["message"]
    assert set(verdicts(doc).values()) == {"accepted"}


def test_zone_and_limit_read_only_what_they_name(site: Site) -> None:
    root = site.root
    code, doc, _ = handover(root, "--limit", "gb-lon-1a-h20-0[12]")
    assert code == 0 and list(verdicts(doc)) == ["gb-lon-1a-h20-01", "gb-lon-1a-h20-02"] and doc["swept"] == 0
    code, doc, _ = handover(root, "--zone", "gb-lon-1a")
    assert code == 0 and len(doc["servers"]) == 4
    # the record keeps what each run read: after the limited run, the whole region is recorded
    assert held_back_servers(Session(root), REGION) == {}


@pytest.mark.parametrize(
    ("args", "unset", "says"),
    [
        (["--limit", "nosuch-host"], None, "--limit nosuch-host: no listed server matches"),
        (["--zone", "gb-lon-1z"], None, "--zone gb-lon-1z: gb-lon-1 has no such zone"),
        (["--format", "yaml"], None, "--format yaml: use text, json or markdown"),
        ([], "RK_GB_LON_1_BMC_PASSWORD", "$RK_GB_LON_1_BMC_PASSWORD is not set"),
        (["--rotate"], "RK_GB_LON_1_BMC_SITE_PASSWORD", "$RK_GB_LON_1_BMC_SITE_PASSWORD is not set"),
    ],
)
def test_bad_input_is_one_line_and_exit_4(
    site: Site, monkeypatch: pytest.MonkeyPatch, args: list[str], unset: str | None, says: str
) -> None:
    root = site.root
    if unset:
        monkeypatch.delenv(unset)
    code, _, err = handover(root, *args)
    assert code == 4 and says in err and len(err.strip().splitlines()) == 1, err


def test_a_region_without_a_manifest_is_bad_input(catalog_root: Path) -> None:
    result = runner.invoke(app, ["--root", str(catalog_root), "handover", "nl-ams-1"])
    assert result.exit_code == 4 and "its pools list no servers" in result.stderr


def test_rotation_then_the_site_password_and_the_canary(site: Site) -> None:
    root = site.root
    site.fleet.set_fault("gb-lon-1a-h20-04", "health")
    code, doc, err = handover(root, "--rotate")
    assert code == 1
    assert [s["server"] for s in doc["servers"] if s["rotated"]] == ["gb-lon-1a-h20-01", "gb-lon-1a-h20-02", "gb-lon-1a-h20-03"]
    site.fleet.set_fault("gb-lon-1a-h20-04", "health", False)
    code, doc2, err2 = handover(root, "--rotate")  # the rotated ones log in with the site's password now
    assert code == 0 and [s["server"] for s in doc2["servers"] if s["rotated"]] == ["gb-lon-1a-h20-04"]
    text = runner.invoke(app, ["--root", str(root), "handover", REGION])
    md = runner.invoke(app, ["--root", str(root), "handover", REGION, "--format", "markdown"])
    assert text.exit_code == 0 and "## Rack LD8-R01" in md.stdout
    seen = [json.dumps(doc), err, json.dumps(doc2), err2, text.stdout, text.stderr, md.stdout]
    seen += [p.read_text(errors="replace") for p in (root / ".regionkit").rglob("*") if p.is_file()]
    for secret in (FACTORY, SITE):
        assert not any(secret in s for s in seen)


def test_lab_fault_help_names_every_fault_of_the_emulator() -> None:
    from regionkit.adapters.redfish.emulator import FAULTS

    result = runner.invoke(app, ["lab", "fault", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert all(kind in result.stdout for kind in FAULTS), result.stdout
