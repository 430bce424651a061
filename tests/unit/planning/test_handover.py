"""Handover decisions (planning/handover.py): firmware versions as vendors write them, and every
reason a server is rejected, from readings built by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.catalog.model import BiosSettingSpec, FirmwareBaselineSpec, HandoverSpec, ServerModelSpec
from regionkit.planning.handover import (
    BmcReading,
    FirmwareItem,
    HandoverResult,
    IncomparableVersions,
    Reason,
    check_firmware,
    compare_versions,
    decide,
    handover_exit_code,
    unlisted,
)

from ...conftest import REPO

# Version strings as BMCs report them. Sources: NVIDIA DGX H100 firmware update guide (nvfwupd
# show_version: CPLDMB_0 0.2.1.6, EROT_BIOS_0 00.04.0011.0000_n00 -> 00.04.0018.0000_n00); Dell
# iDRAC9 FirmwareInventory (7.00.00.171 style); HPE iLO ROM family + version + date
# ("U54 v2.90 (03/17/2024)"); Supermicro BIOS revision letters (2.1 -> 2.1a); NVIDIA VBIOS
# (96.00.5E.00.01, hexadecimal fields).
ORDERED = [
    ("00.04.0011.0000_n00", "00.04.0018.0000_n00", "natural", -1),
    ("0.2.1.6", "0.2.1.6", "natural", 0),
    ("7.00.00.171", "7.00.00.99", "natural", 1),
    ("7.10.30.00", "7.00.00.171", "natural", 1),
    ("2.1a", "2.1", "natural", 1),
    ("2.1a", "2.1b", "natural", -1),
    ("1.2.3-rc1", "1.2.3", "natural", -1),
    ("1.2.3rc2", "1.2.3rc10", "natural", -1),
    ("1.2.3-beta", "1.2.3-rc1", "natural", -1),
    ("1.0rc1", "1.0.1", "natural", -1),
    ("01.03.17", "1.3.17", "natural", 0),
    ("96.00.5E.00.01", "96.00.61.00.01", "hex", -1),
    ("96.00.9F.00.01", "96.00.A1.00.01", "hex", -1),
    ("96.00.74.00.01", "96.00.74.00.01", "hex", 0),
]


@pytest.mark.parametrize(("found", "baseline", "scheme", "expected"), ORDERED)
def test_compare_versions_orders_real_firmware_strings(found: str, baseline: str, scheme: str, expected: int) -> None:
    assert compare_versions(found, baseline, scheme) == expected
    assert compare_versions(baseline, found, scheme) == -expected


@pytest.mark.parametrize(("found", "baseline"), [("U54 v2.90", "A43 v2.10"), ("BMC", "1.0"), ("", "1.0")])
def test_compare_versions_refuses_different_shapes(found: str, baseline: str) -> None:
    with pytest.raises(IncomparableVersions):
        compare_versions(found, baseline)


def test_firmware_version_pattern_reads_hpe_rom_strings() -> None:
    spec = FirmwareBaselineSpec(
        component="System ROM",
        name_pattern="^System ROM$",
        min_version="2.90",
        version_pattern=r"v(\d+\.\d+)",
        source="test",
        confidence="estimate",
    )
    old = FirmwareItem("1", "System ROM", "U54 v2.72 (09/29/2022)")
    new = FirmwareItem("1", "System ROM", "U54 v2.90 (03/17/2024)")
    assert check_firmware(spec, [new]) == []
    (reason,) = check_firmware(spec, [old])
    assert reason.kind == "firmware" and "below the baseline 2.90" in reason.message and "U54 v2.72" in reason.message


def test_firmware_that_cannot_be_compared_is_a_rejection_not_a_pass() -> None:
    spec = FirmwareBaselineSpec(component="BIOS", id_pattern="^BIOS$", min_version="2.1", source="t", confidence="estimate")
    (reason,) = check_firmware(spec, [FirmwareItem("BIOS", "BIOS", "unknown")])
    assert "cannot be compared" in reason.message and "version_pattern" in reason.fix


NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def model() -> ServerModelSpec:
    return load_catalog(REPO).servers.models["supermicro-sys-821ge-tnhr"]


@pytest.fixture(scope="module")
def entry() -> HandoverSpec:
    return load_catalog(REPO).regions["gb-lon-1"].pools[0].handover[0]


def _good(entry: HandoverSpec, model: ServerModelSpec) -> BmcReading:
    bios: dict[str, str | int | bool | None] = {
        (s.attribute + "_01A0" if s.match == "prefix" else s.attribute): s.value for s in model.bios
    }
    return BmcReading(
        address=str(entry.bmc_address),
        read_at=NOW,
        manufacturer=model.manufacturer,
        model=model.model,
        chassis_serial=entry.serial,
        power_state="On",
        health="OK",
        health_rollup="OK",
        chassis_health="OK",
        accelerators=("NVIDIA H20",) * model.accelerator_count,
        bmc_macs=(entry.bmc_mac.upper().replace(":", "-"),),
        firmware=tuple(
            FirmwareItem(f"{b.id_pattern}".strip("^$").replace("[0-9]+", "1"), b.component, b.min_version) for b in model.firmware
        ),
        bios=bios,
    )


def test_decide_accepts_a_server_as_declared(entry: HandoverSpec, model: ServerModelSpec) -> None:
    result = decide(entry, model, _good(entry, model))
    assert (result.verdict, result.reasons) == ("accepted", ())
    assert (result.server, result.rack, result.u, result.read_at) == (entry.hostname, entry.rack, entry.u, NOW)


def _first_bios(model: ServerModelSpec) -> str:
    s = model.bios[0]
    return s.attribute + "_01A0" if s.match == "prefix" else s.attribute


REJECTIONS = [
    ("unreachable", lambda r, m: replace(r, failure="unreachable", detail="connection refused"), "does not answer"),
    ("auth_refused", lambda r, m: replace(r, failure="auth_refused", detail="HTTP 401"), "refused the credentials"),
    ("tls_changed", lambda r, m: replace(r, failure="tls_changed", detail="differs"), "another TLS certificate"),
    ("protocol", lambda r, m: replace(r, failure="protocol", detail="HTTP 404 on GET /redfish/v1/Systems"), "not as a Redfish"),
    ("serial", lambda r, m: replace(r, chassis_serial="SN-OTHER"), "chassis serial is 'SN-OTHER'"),
    ("mac", lambda r, m: replace(r, bmc_macs=("02:00:00:00:00:99",)), "BMC MAC is 02:00:00:00:00:99"),
    ("model", lambda r, m: replace(r, model="SYS-421GE-TNRT"), "'SYS-421GE-TNRT'"),
    ("accelerators", lambda r, m: replace(r, accelerators=r.accelerators[:-1]), "7 accelerators reported"),
    (
        "firmware",
        lambda r, m: replace(r, firmware=(replace(r.firmware[0], version="01.01.02"), *r.firmware[1:])),
        "BMC below the baseline 01.03.17",
    ),
    ("firmware", lambda r, m: replace(r, firmware=r.firmware[1:]), "BMC: not in the BMC's firmware inventory"),
    ("bios", lambda r, m: replace(r, bios={**r.bios, _first_bios(m): "Disabled"}), "must be 'Enabled'"),
    ("bios", lambda r, m: replace(r, bios={k: v for k, v in r.bios.items() if k != _first_bios(m)}), "is not reported"),
    ("power", lambda r, m: replace(r, power_state="PoweringOn"), "power state is 'PoweringOn'"),
    ("power", lambda r, m: replace(r, power_state=None), "power state is None"),
    ("health", lambda r, m: replace(r, health="Critical"), "system health Critical"),
    ("health", lambda r, m: replace(r, chassis_health="Warning"), "chassis health Warning"),
]


@pytest.mark.parametrize(("kind", "change", "fragment"), REJECTIONS, ids=[f"{k}:{f[:24]}" for k, _, f in REJECTIONS])
def test_decide_rejects_with_the_reason_and_a_fix(
    entry: HandoverSpec, model: ServerModelSpec, kind: str, change, fragment: str
) -> None:  # type: ignore[no-untyped-def]
    result = decide(entry, model, change(_good(entry, model), model))
    assert result.verdict == "rejected"
    hits = [r for r in result.reasons if r.kind == kind]
    assert hits, result.reasons
    assert fragment in hits[0].message and hits[0].fix


def test_decide_lists_every_reason_not_only_the_first(entry: HandoverSpec, model: ServerModelSpec) -> None:
    reading = replace(_good(entry, model), chassis_serial="X", power_state="Paused", health="Critical")
    kinds = [r.kind for r in decide(entry, model, reading).reasons]
    assert kinds == ["serial", "power", "health"]


def test_bios_booleans_are_not_strings() -> None:
    setting = BiosSettingSpec(attribute="GpuExposeAsPcie", value=True, why="GPUs as PCIe", source="s", confidence="verified")
    from regionkit.planning.handover import check_bios

    assert check_bios(setting, {"GpuExposeAsPcie": True}) is None
    assert check_bios(setting, {"GpuExposeAsPcie": "True"}) is not None


def test_unlisted_bmc_is_reported_never_accepted() -> None:
    result = unlisted(BmcReading("10.19.4.99", NOW, manufacturer="Dell Inc.", model="PowerEdge R760"))
    assert result.verdict == "unlisted" and result.reasons[0].kind == "not_in_manifest"
    assert "PowerEdge R760 answers at 10.19.4.99" in result.reasons[0].message


def _result(verdict: str, kind: str | None = None) -> HandoverResult:
    reasons = (Reason(kind, "m", "f"),) if kind else ()  # type: ignore[arg-type]
    return HandoverResult("s", "a", verdict, reasons, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ([_result("accepted")], 0),
        ([_result("accepted"), _result("rejected", "serial")], 1),
        ([_result("accepted"), _result("unlisted", "not_in_manifest")], 1),
        ([_result("rejected", "serial"), _result("rejected", "unreachable")], 3),
    ],
)
def test_handover_exit_codes(results: list[HandoverResult], code: int) -> None:
    assert handover_exit_code(results) == code
