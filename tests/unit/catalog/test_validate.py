"""Every validator: a planted error in a copy of the shipped catalog is reported with the right
id and a located message; the shipped catalog passes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import VALIDATORS, validate
from regionkit.errors import BadInputError

from ...conftest import REPO, TODAY, Edit

Data = dict[str, Any]


def _pool(region: str, i: int, **values: Any) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: d["pools"][i].update(values)


def _sw(region: str, i: int, **values: Any) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: d["pools"][i]["software"].update(values)


def _zone(region: str, i: int, **values: Any) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: d["zones"][i].update(values)


def _net(region: str, i: int, **values: Any) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: d["zones"][i]["network"].update(values)


def _set(region: str, fn: Callable[[Data], None]) -> tuple[str, Callable[[Data], None]]:
    return region, fn


def _link(region: str, i: int, **link: Any) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: d["zones"][i].update(link=link)


def _ordered_everywhere(region: str) -> tuple[str, Callable[[Data], None]]:
    return region, lambda d: [z.update(link={"state": "ordered", "location": "ap-x", "port": "10GBase-LR"}) for z in d["zones"]]


def _clouds(change: Callable[[Data], None]) -> tuple[str, Callable[[Data], None]]:
    return "clouds.yml", change


ENABLED = {"state": "enabled", "location": "ap-x", "port": "10GBase-LR", "vlan_id": 101, "peer_asn": 64601}
AWS_ENABLED = {"state": "enabled", "location": "EqSP3", "port": "10Gbps", "vlan_id": 101, "peer_asn": 64601}


def _handover_rename(d: Data) -> None:
    d["pools"][0]["handover"][1]["hostname"] = "gb-lon-1a-h20-09"


def _handover_dup_serial(d: Data) -> None:
    d["pools"][0]["handover"][1]["serial"] = d["pools"][0]["handover"][0]["serial"]


# (validator id, expected key path, message fragment, (file, change))
PLANTED = [
    ("schema.references", "zones[0].facility", "no facility 'AM9'", _zone("nl-ams-1", 0, facility="equinix:AM9")),
    ("schema.references", "zones[0].facility", "no partner 'acme'", _zone("nl-ams-1", 0, facility="acme:X1")),
    ("schema.references", "zones[0].facility", "facility is in DE", _zone("nl-ams-1", 0, facility="equinix:FR5")),
    ("schema.references", "pools[0].accelerator", "no such accelerator", _pool("nl-ams-1", 0, accelerator="Z9000")),
    ("schema.references", "pools[0].zone", "no such zone", _pool("nl-ams-1", 0, zone="nl-ams-1z")),
    ("schema.references", "pools[2].name", "declared twice", _pool("nl-ams-1", 2, zone="nl-ams-1a")),
    (
        "schema.references",
        "jurisdiction",
        "no such jurisdiction",
        _set("nl-ams-1", lambda d: d.update(jurisdiction="XX")),
    ),
    (
        "schema.references",
        "country",
        "not a country of jurisdiction",
        _set("br-sao-1", lambda d: d.update(country="AR")),
    ),
    (
        "schema.suppress",
        "suppress[0].validator",
        "no such validator",
        _set("nl-ams-1", lambda d: d.update(suppress=[{"validator": "power.contrat", "reason": "typo in the id, on purpose"}])),
    ),
    (
        "schema.suppress",
        "suppress[0].validator",
        "cannot be suppressed",
        _set("nl-ams-1", lambda d: d.update(suppress=[{"validator": "net.overlap", "reason": "we know, the partner routes it"}])),
    ),
    (
        "net.supernet",
        "network.supernet",
        "not private address space",
        _set("nl-ams-1", lambda d: d["network"].update(supernet="8.8.0.0/16")),
    ),
    (
        "net.supernet",
        "network.supernet",
        "wider than a /8",
        _set("nl-ams-1", lambda d: d["network"].update(supernet="10.0.0.0/7")),
    ),
    (
        "net.supernet",
        "network.supernet",
        "not private address space",  # RFC 2544's benchmark range is the lab's, never a cloud region's
        _set("nl-ams-1", lambda d: d["network"].update(supernet="198.18.0.0/16")),
    ),
    ("schema.zone-id", "zones[1].id", "region key 'nl-ams-1' plus a letter", _zone("nl-ams-1", 1, id="nl-ams-2b")),
    (
        "schema.zone-id",
        "zones[0].cloud_zone",
        "region id plus a letter",
        _zone("nl-ams-1", 0, cloud_zone="eu-central-a"),
    ),
    ("net.containment", "zones[0].network.fabric", "outside the supernet", _net("nl-ams-1", 0, fabric="10.99.0.0/20")),
    (
        "net.containment",
        "network.monitoring",
        "outside the supernet",
        _set("nl-ams-1", lambda d: d["network"].update(monitoring="10.200.0.0/24")),
    ),
    (
        "net.containment",
        "pools[0].handover[0].management_address",
        "outside the zone's management subnet",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][0].update(management_address="10.19.100.1")),
    ),
    (
        "net.containment",
        "network.interconnect",
        "outside the supernet",
        _set("nl-ams-1", lambda d: d["network"].update(interconnect="10.200.0.0/24")),
    ),
    (
        "net.overlap",
        "network.supernet",
        "overlaps de-fra-1",
        _set("nl-ams-1", lambda d: d["network"].update(supernet="10.10.128.0/17")),
    ),
    (
        "net.overlap",
        "zones[1].network.management",
        "overlaps nl-ams-1 zones[0].network.storage",
        _net("nl-ams-1", 1, management="10.11.8.0/22"),
    ),
    (
        "net.capacity",
        "network.interconnect",
        "2 zones need one /30 each",
        _set("nl-ams-1", lambda d: d["network"].update(interconnect="10.11.250.0/30")),
    ),
    (
        "net.containment",
        "network.vpc",
        "outside the supernet",
        _set("nl-ams-1", lambda d: d["network"].update(vpc="10.200.0.0/24")),
    ),
    (
        "net.overlap",
        "network.vpc",
        "overlaps nl-ams-1 zones[0].network.management",
        _set("nl-ams-1", lambda d: d["network"].update(vpc="10.11.1.0/24")),
    ),
    ("stack.vpc", "network.vpc", "no VPC range", _set("nl-ams-1", lambda d: d["network"].pop("vpc"))),
    ("stack.vpc", "network.vpc", "/16 to /24", _set("nl-ams-1", lambda d: d["network"].update(vpc="10.11.224.0/28"))),
    ("stack.vpc", "cloud.zones", "need 2 cloud zones", _set("gb-lon-1", lambda d: d["cloud"].pop("zones"))),
    (
        "stack.vpc",
        "cloud.zones",
        "smaller than /28",
        _set("gb-lon-1", lambda d: d["cloud"].update(zones=[f"eu-west-1{c}" for c in "abcdefghijklmnopq"])),
    ),
    (
        "stack.vpc",
        "cloud.zones[1]",
        "region id plus a letter",
        _set("gb-lon-1", lambda d: d["cloud"].update(zones=["eu-west-1a", "eu-west-2b"])),
    ),
    (
        "stack.cloud-region",
        "cloud.region_id",
        "not listed in inventories/clouds.yml",
        _clouds(lambda d: d["alicloud"].pop("eu-central-1")),
    ),
    (
        "stack.cloud-region",
        "cloud.region_id",
        "no oss_private_service",
        _clouds(lambda d: d["alicloud"]["eu-central-1"].pop("oss_private_service")),
    ),
    (
        "readiness.kms-instance",
        "cloud.region_id",
        "gives no KMS instance",
        _clouds(lambda d: d["alicloud"]["eu-central-1"].pop("kms_instance")),
    ),
    (
        "stack.secrets",
        "cloud.secrets_provider",
        "outside jurisdiction EU",
        _set("nl-ams-1", lambda d: d["cloud"].update(secrets_provider="awskms://alias/state?region=us-east-1")),
    ),
    (
        "stack.secrets",
        "cloud.secrets_provider",
        "names no region",
        _set("nl-ams-1", lambda d: d["cloud"].update(secrets_provider="awskms://alias/state")),
    ),
    (
        "readiness.registration",
        "registration.rotated",
        "expired on 2026-10-01",
        _set("br-sao-1", lambda d: d["registration"].update(rotated="2026-09-01")),
    ),
    (
        "readiness.registration",
        "registration.rotated",
        "in the future",
        _set("br-sao-1", lambda d: d["registration"].update(rotated="2026-12-31")),
    ),
    ("readiness.registration", "registration", "no node registration", _set("br-sao-1", lambda d: d.pop("registration"))),
    ("link.state", "zones[0].link.location", "Express Connect access point id", _link("nl-ams-1", 0, state="ordered")),
    ("link.state", "zones[0].link.location", "Direct Connect location code", _link("br-sao-1", 0, state="enabled")),
    (
        "link.state",
        "zones[0].link.bandwidth",
        "bandwidth is for hosted",
        _link("nl-ams-1", 0, state="ordered", location="ap-x", port="10GBase-LR", bandwidth="1G"),
    ),
    (
        "link.state",
        "zones[0].link.port",
        "not a dedicated port",
        _link("br-sao-1", 0, state="ordered", location="EqSP3", port="500Mbps"),
    ),
    (
        "link.state",
        "zones[0].link.port",
        "not a dedicated port",
        _link("nl-ams-1", 0, state="ordered", location="ap-x", port="10Gbps"),
    ),
    (
        "link.state",
        "zones[0].link.bandwidth",
        "not a hosted-connection bandwidth",
        _link("br-sao-1", 0, state="ordered", location="EqSP3", kind="hosted", bandwidth="400Gbps", connection_id="dxcon-ab12"),
    ),
    (
        "link.state",
        "zones[0].link.connection_id",
        "the partner provisioned",
        _link("br-sao-1", 0, state="ordered", location="EqSP3", kind="hosted", bandwidth="500Mbps"),
    ),
    (
        "link.state",
        "zones[0].link.port",
        "a hosted connection has no port",
        _link("nl-ams-1", 0, kind="hosted", port="10GBase-LR"),
    ),
    (
        "link.state",
        "zones[0].link.vlan_id",
        "outside the alicloud VLAN range 0-2999",
        _link("nl-ams-1", 0, **{**ENABLED, "vlan_id": 3000}),
    ),
    ("link.state", "zones[0].link.vlan_id", "needs the VLAN", _link("nl-ams-1", 0, **{**ENABLED, "vlan_id": None})),
    (
        "link.state",
        "zones[0].link.peer_asn",
        "needs the partner router's BGP ASN",
        _link("br-sao-1", 0, **{**AWS_ENABLED, "peer_asn": None}),
    ),
    (
        "link.state",
        "zones[0].link.peer_asn",
        "equals the cloud side's ASN 45104",
        _link("nl-ams-1", 0, **{**ENABLED, "peer_asn": 45104}),
    ),
    ("link.state", "zones[0].link.peer_asn", "a reserved ASN", _link("br-sao-1", 0, **{**AWS_ENABLED, "peer_asn": 23456})),
    ("link.state", "cloud.asn", "must be in 64512-65534", _set("br-sao-1", lambda d: d["cloud"].update(asn=7224))),
    (
        "link.pending",
        "zones[1].link.state",
        "6 circuits ordered and not yet enabled in alicloud eu-central-1",
        [_ordered_everywhere("de-fra-1"), _ordered_everywhere("nl-ams-1"), _ordered_everywhere("fr-par-1")],
    ),
    ("net.capacity", "zones[0].network.management", "servers need", _pool("nl-ams-1", 0, servers=1020)),
    (
        "net.handover",
        "pools[0].handover[1].hostname",
        "names server 2 of this pool gb-lon-1a-h20-02",
        _set("gb-lon-1", _handover_rename),
    ),
    ("net.handover", "pools[0].handover[1].serial", "also declared for", _set("gb-lon-1", _handover_dup_serial)),
    ("net.handover", "pools[0].handover", "servers handed over, the pool declares 5", _pool("gb-lon-1", 0, servers=5)),
    (
        "net.handover",
        "pools[0].handover[2].bmc_mac",
        "also declared for gb-lon-1/gb-lon-1a-h20-01",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][2].update(bmc_mac="7C-C2-55-19-04-11")),
    ),
    (
        "net.handover",
        "pools[0].handover[0].bmc_address",
        "kept for gateways and partner equipment",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][0].update(bmc_address="10.19.4.7")),
    ),
    (
        "net.handover",
        "pools[0].handover[2].u",
        "rack LD8-R01 unit 20 is also given to gb-lon-1a-h20-01",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][2].update(rack="LD8-R01")),
    ),
    (
        "net.handover",
        "pools[0].handover",
        "rack LD8-R01 holds 3 servers of this pool, the plan allows 2",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][2].update(rack="LD8-R01", u=36)),
    ),
    (
        "handover.model",
        "pools[0].handover[1].model",
        "no such server model",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][1].update(model="hpe-xd670")),
    ),
    (
        "handover.model",
        "pools[0].handover[1].model",
        "the pool declares H20",
        _set("gb-lon-1", lambda d: d["pools"][0]["handover"][1].update(model="huawei-atlas-800t-a2")),
    ),
    (
        "handover.access",
        "pools[0].handover",
        "the region has no handover: section",
        _set("gb-lon-1", lambda d: d.pop("handover")),
    ),
    ("power.contract", "zones[1].contracted_kw", "pools draw", _zone("nl-ams-1", 1, contracted_kw=100)),
    (
        "power.rack-density",
        "pools[2].servers_per_rack",
        "over equinix:AM4's 30 kW offer",
        _pool("nl-ams-1", 2, servers_per_rack=8),
    ),
    (
        "power.liquid-cooling",
        "pools[0].servers_per_rack",
        "needs liquid cooling",
        _set(
            "de-fra-1",
            lambda d: d["zones"][0].update(facility="equinix:FR4") or d["pools"][0].update(servers_per_rack=5),
        ),
    ),
    ("export.denied", "pools[1].accelerator", "not procurable", _pool("nl-ams-1", 1, accelerator="H100-SXM")),
    (
        "export.licence",
        "pools[1].licence_ref",
        "needs an export licence",
        _set("nl-ams-1", lambda d: d["pools"][1].pop("licence_ref")),
    ),
    (
        "export.risk",
        "pools[0].accelerator",
        "compliance risk",
        _set(
            "br-sao-1",
            lambda d: d["pools"][0].update(
                accelerator="Ascend-910B",
                software={"driver": "25.0.rc1", "toolkit": "8.1.RC1", "collectives": "8.1.RC1"},
            ),
        ),
    ),
    (
        "export.unlisted",
        "pools[1].accelerator",
        "no export-control rule",
        _set(
            "policy.yml",
            lambda d: d.update(export_control=[r for r in d["export_control"] if r["id"] != "thead-domestic"]),
        ),
    ),
    (
        "residency.data-region",
        "residency.data_regions[1]",
        "outside jurisdiction EU",
        _set("nl-ams-1", lambda d: d["residency"]["data_regions"].append("us-east-1")),
    ),
    (
        "residency.data-region",
        "residency.data_regions[1]",
        "unknown alicloud region",
        _set("nl-ams-1", lambda d: d["residency"]["data_regions"].append("mars-1")),
    ),
    (
        "residency.data-region",
        "cloud.region_id",
        "not in residency.data_regions",
        _set("gb-lon-1", lambda d: d["residency"].update(data_regions=[])),
    ),
    (
        "residency.replication",
        "residency.replication[0].to",
        "leaves jurisdiction EU",
        _set("nl-ams-1", lambda d: d["residency"].update(replication=[{"bucket": "evidence", "to": "ap-southeast-1"}])),
    ),
    (
        "runtime.driver-support",
        "pools[0].software.driver",
        "branch R999",
        _set("de-fra-1", lambda d: d["pools"][0]["software"].update(driver="999.1", fabric_manager="999.1")),
    ),
    (
        "runtime.driver-support",
        "pools[0].software.driver",
        "needs driver >= 570.133.20",
        _set(
            "de-fra-1",
            lambda d: (
                d["pools"][0].update(accelerator="B200")
                or d["pools"][0]["software"].update(
                    driver="535.261.03", fabric_manager="535.261.03", toolkit="12.2", collectives="2.21.5"
                )
            ),
        ),
    ),
    (
        "runtime.driver-support",
        "pools[0].software.driver",
        "no driver pinned",
        _set("nl-ams-1", lambda d: d["pools"][0]["software"].pop("driver")),
    ),
    (
        "runtime.fabric-manager",
        "pools[0].software.fabric_manager",
        "differs from the driver 580.95.05",
        _sw("de-fra-1", 0, fabric_manager="580.82.07"),
    ),
    (
        "runtime.fabric-manager",
        "pools[0].software.fabric_manager",
        "needs Fabric Manager",
        _set("de-fra-1", lambda d: d["pools"][0]["software"].pop("fabric_manager")),
    ),
    (
        "runtime.toolkit",
        "pools[0].software.driver",
        "cuda 13.0 needs driver >= 580.65.06",
        _sw("de-fra-1", 0, driver="570.195.03", fabric_manager="570.195.03"),
    ),
    ("runtime.toolkit", "pools[1].software.toolkit", "not a cann release", _sw("my-kul-1", 1, toolkit="7.0")),
    (
        "runtime.collectives",
        "pools[0].software.collectives",
        "does not match cuda 13.0",
        _sw("de-fra-1", 0, collectives="2.21.5"),
    ),
    (
        "runtime.collectives",
        "pools[0].collective_library",
        "H20 uses nccl",
        _pool("de-fra-1", 0, collective_library="hccl"),
    ),
    (
        "runtime.eol",
        "pools[0].software.driver",
        "ended its life on 2026-06-30",
        _sw("de-fra-1", 0, driver="535.261.03", fabric_manager="535.261.03", toolkit="12.2", collectives="2.21.5"),
    ),
    ("readiness.planned", "cloud.region_id", "no cloud region id", _set("mx-qro-1", lambda d: None)),
    ("packages.source", "packages", "nothing to install from", _set("nl-ams-1", lambda d: d.pop("packages"))),
    (
        "packages.source",
        "packages.proxy",
        "outside the region's management and monitoring ranges",
        _set("br-sao-1", lambda d: d["packages"].update(proxy="10.10.0.2")),
    ),
    (
        "packages.source",
        "packages.proxy",
        "inside the servers' addresses",
        _set("br-sao-1", lambda d: d["packages"].update(proxy="10.13.0.11")),
    ),
    (
        "packages.source",
        "packages.proxy",
        "network or broadcast address",
        _set("br-sao-1", lambda d: d["packages"].update(proxy="10.13.240.255")),
    ),
    ("readiness.applyable", "zones[0].cloud_zone", "a new region needs it", _zone("nl-ams-1", 0, cloud_zone="")),
    (
        "readiness.applyable",
        "cloud.region_id",
        "a live region needs it",
        _set(
            "de-fra-1",
            lambda d: (
                d["cloud"].update(region_id="")
                or [z.update(cloud_zone="") for z in d["zones"]]
                or d["residency"].update(data_regions=[])
            ),
        ),
    ),
]


Change = tuple[str, Callable[[Data], None]]


def _region_of(change: Change | list[Change]) -> str:
    first = change[0] if isinstance(change, list) else change
    return "de-fra-1" if first[0].endswith(".yml") else first[0]  # shared-file changes: look at de-fra-1


@pytest.mark.parametrize(("vid", "path", "fragment", "change"), PLANTED, ids=[f"{p[0]}:{p[2][:30]}" for p in PLANTED])
def test_validator_reports_planted_error(
    catalog_root: Path, edit: Edit, vid: str, path: str, fragment: str, change: Change | list[Change]
) -> None:
    for one in change if isinstance(change, list) else [change]:
        edit(*one)
    region = _region_of(change)
    report = validate(load_catalog(catalog_root), today=TODAY)
    hits = [f for f in report.findings if f.validator == vid and f.region == region and f.path == path]
    assert hits, [f.one_line() for f in report.findings if f.region == region]
    finding = hits[0]
    assert fragment in finding.message
    assert finding.file == f"inventories/{region}/region.yml"
    assert finding.line is not None and finding.fix
    severity = next(v.severity for v in VALIDATORS if v.id == vid)
    assert (finding in report.errors) == (severity == "error")


def test_every_validator_has_a_planted_case() -> None:
    assert {v.id for v in VALIDATORS} == {p[0] for p in PLANTED}


@pytest.fixture(scope="module")
def shipped_report():  # type: ignore[no-untyped-def]
    return validate(load_catalog(REPO), today=TODAY)


@pytest.mark.parametrize("vid", [v.id for v in VALIDATORS if v.severity == "error"])
def test_shipped_catalog_passes_validator(shipped_report, vid: str) -> None:  # type: ignore[no-untyped-def]
    assert [f.one_line() for f in shipped_report.active if f.validator == vid] == []


def test_shipped_warnings_are_planned_regions_example_kms_instances_and_ascend(shipped_report) -> None:  # type: ignore[no-untyped-def]
    """readiness.kms-instance: inventories/clouds.yml ships example KMS instance ids, so every Alibaba
    region warns (and `up` refuses) until the operator sets its own."""
    kinds = {(f.validator, f.region) for f in shipped_report.warnings}
    assert {v for v, _ in kinds} <= {"readiness.planned", "readiness.kms-instance", "export.risk"}
    assert ("export.risk", "my-kul-1") in kinds


def test_suppression_keeps_the_reason_and_clears_the_error(catalog_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["zones"][1].update(contracted_kw=100))
    edit(
        "nl-ams-1",
        lambda d: d.update(suppress=[{"validator": "power.contract", "reason": "second feed signed, OPS-42"}]),
    )
    report = validate(load_catalog(catalog_root), ["nl-ams-1"], today=TODAY)
    assert report.errors == []
    assert [f.suppressed for f in report.findings if f.validator == "power.contract"] == ["second feed signed, OPS-42"]


def test_suppression_without_reason_is_bad_input(catalog_root: Path, edit: Edit) -> None:
    from regionkit.errors import CatalogError

    edit("nl-ams-1", lambda d: d.update(suppress=[{"validator": "power.contract", "reason": ""}]))
    with pytest.raises(CatalogError, match=r"suppress\[0\].reason"):
        load_catalog(catalog_root)


def test_skip_drops_a_validator_and_refuses_unknown_ids(catalog_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["zones"][1].update(contracted_kw=100))
    catalog = load_catalog(catalog_root)
    assert validate(catalog, ["nl-ams-1"], skip=["power.contract"], today=TODAY).errors == []
    with pytest.raises(BadInputError, match="no such validator"):
        validate(catalog, skip=["power.nope"], today=TODAY)


def test_validate_unknown_region_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="known regions"):
        validate(load_catalog(REPO), ["xx-nowhere-1"], today=TODAY)


def test_a_public_supernet_stands_only_with_its_reason_on_record(catalog_root: Path, edit: Edit) -> None:
    """An operator's own public space (net.supernet) may be suppressed, and the reason travels with
    the finding; a guard rail (schema.*, net.overlap) may not be, whatever the reason."""
    edit("nl-ams-1", lambda d: d["network"].update(supernet="8.8.0.0/16"))
    assert any(f.validator == "net.supernet" for f in validate(load_catalog(catalog_root), ["nl-ams-1"], today=TODAY).errors)
    edit("nl-ams-1", lambda d: d.update(suppress=[{"validator": "net.supernet", "reason": "our own /16, RIPE-allocated, OPS-7"}]))
    report = validate(load_catalog(catalog_root), ["nl-ams-1"], today=TODAY)
    assert not any(f.validator == "net.supernet" for f in report.errors)
    kept = [f for f in report.findings if f.validator == "net.supernet"]
    assert kept and all(f.suppressed == "our own /16, RIPE-allocated, OPS-7" for f in kept)
    as_json = [f for f in report.to_dict()["findings"] if f["validator"] == "net.supernet"]
    assert as_json and all(f["suppressed"] == "our own /16, RIPE-allocated, OPS-7" for f in as_json)  # kept in JSON output
    for rail in ("net.overlap", "schema.references"):
        edit("nl-ams-1", lambda d, rail=rail: d.update(suppress=[{"validator": rail, "reason": "we know what we are doing"}]))
        refused = validate(load_catalog(catalog_root), ["nl-ams-1"], today=TODAY).errors
        assert any(f.validator == "schema.suppress" and "cannot be suppressed" in f.message for f in refused), rail
