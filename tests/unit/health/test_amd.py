"""amd-smi (default view, --json), rocm-smi (ROCm 1.x to 7 layouts) and rocminfo on real
captures; telemetry that prints N/A is not a fault."""

from __future__ import annotations

import json

import pytest

from regionkit.health import Verdict
from regionkit.health.amd import parse_amd_smi, parse_rocm_smi, parse_rocminfo

from .corpus import Case, check, text

A = "real/amd/"
CASES: dict[str, Case] = {
    A + "amd-smi_default_mi300x-VF_1gpu_sriov-guest_amdsmi-26.2.2_rocm-7.2.1.txt": Case("amd-smi", "pass", 1),
    A + "amd-smi_default_mi300x_1gpu_baremetal_amdsmi-26.2.0_rocm-7.1.1.txt": Case("amd-smi", "pass", 1),
    A + "amd-smi_default_mi300x_8gpu_baremetal_amdsmi-27.0.0_rocm-10.0.0_doc-expected-output.txt": Case("amd-smi", "pass", 8),
    A + "amd-smi_default_mi300a_4apu_amdsmi-26.2.1_rocm-7.2.0_doc-example_truncated-names.txt": Case("amd-smi", "pass", 4),
    A + "amd-smi_default_radeon-ai-pro-r9700_2gpu_amdsmi-26.2.1_rocm-7.2.0_NA-oam-partition_under-load_LOWPROV.txt": Case(
        "amd-smi", "pass", 2
    ),
    A + "mi100_rocm-smi-json_rocm5.7.1.json": Case("rocm-smi", "pass", 6),
    A + "mi100_rocm-smi-json_rocm6.0.2.json": Case("rocm-smi", "pass", 4),
    A + "mi300x_4gpu_rocm-smi-a_showallinfo.txt": Case("rocm-smi", "pass", 4),
    A + "mi300x_4gpu_rocm-smi_concise.txt": Case("rocm-smi", "pass", 4),
    A + "rocm-smi-compat_amd-smi--rocm-smi_mi300a_4apu_amdsmi-26.2.1_doc-example_new-concise-layout.txt": Case("rocm-smi", "pass", 4),
    A + "rocm-smi_concise_rocm3.3_1gpu-index1_old-layout.txt": Case("rocm-smi", "pass", 1),
    A + "rocm-smi_concise_rocm2.4_2gpu_NA-power.txt": Case("rocm-smi", "pass", 2),
    A + "rocm-smi_concise_rocm1.x-2018_1gpu_SCLK-OD-layout.txt": Case("rocm-smi", "pass", 1),
    A + "rocm-smi-a_rocm4_1gpu-navi21_driver5.6.19_EXCERPT-no-end.txt": Case("rocm-smi", "unknown", 1),
    A + "mi300x_4gpu_rocminfo.txt": Case("rocminfo", "pass", 4),
    A + "rocminfo_ERROR_ROCk-module-NOT-loaded_HSA_STATUS_ERROR_OUT_OF_RESOURCES_rocm2.9.txt": Case("rocminfo", "fail", None),
    A + "rocminfo_ERROR_ROCk-loaded_HSA_STATUS_ERROR_OUT_OF_RESOURCES_rocm3.0_2x-vega20.txt": Case("rocminfo", "fail", None),
    A + "rocminfo_ERROR_no-dev-kfd_wsl2_rx580.txt": Case("rocminfo", "fail", None),
    # added for the parsers hunt: ROCm 5.x concise layouts, amd-smi static, rocminfo errors
    A + "rocm-smi_concise_mi250_8gcd_odd-GCDs-power-NA-cap-0W_unlocked-lock-WARNING_rocm5.7_jlse_LOWPROV.txt": Case(
        "rocm-smi", "pass", 8
    ),
    A + "rocm-smi_concise_mi100_4gpu_apptainer-container_amd-hpc-fund-docs_LOWPROV.txt": Case("rocm-smi", "pass", 4),
    A + "rocm-smi_concise_3gpu-mi100_fbgemm-gpu-install-docs.txt": Case("rocm-smi", "pass", 3),
    A + "rocm-smi_concise_radeon-rx7900_1gpu_rocm5.7_LOWPROV.txt": Case("rocm-smi", "pass", 1),
    # "ERROR: GPU[0]: sclk clock is unsupported" is telemetry the part lacks, not a fault
    A + "rocm-smi_concise_rocm5-6_1gpu_sclk-unsupported-ERROR-line_map-at-exception_power-NA_LOWPROV.txt": Case("rocm-smi", "warn", 1),
    A + "amd-smi_static-aB_mi210_1gpu_asic-board_amd-container-toolkit-docs.txt": Case("amd-smi", "pass", 1),
    A + "amd-smi_static_gpu0_asic-limit_mi350x_1gpu_NA-edge-temperature_LOWPROV.txt": Case("amd-smi", "pass", 1),
    A + "rocminfo_ERROR_dev-kfd-permission-denied_not-member-of-render-group_LOWPROV.txt": Case("rocminfo", "fail", None),
    A + "rocminfo_ERROR_dev-kfd-permission-denied_member-of-render-group_rx9070xt_LOWPROV.txt": Case("rocminfo", "fail", None),
    A + "rocminfo_ERROR_dev-kfd-cannot-allocate-memory_HSA-OUT-OF-RESOURCES_EXCERPT_rocm-issue1318.txt": Case(
        "rocminfo", "fail", None
    ),
    A + "rocminfo_ERROR_segmentation-fault_sudo_LOWPROV.txt": Case("rocminfo", "fail", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_amd_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


def test_amd_smi_uncorrectable_ecc_is_a_fault() -> None:
    t = text(A + "amd-smi_default_mi300x_1gpu_baremetal_amdsmi-26.2.0_rocm-7.1.1.txt")
    row = next(line for line in t.splitlines() if "°C" in line)
    report = parse_amd_smi(t.replace(row, row.replace("°C   0 ", "°C   3 ", 1)))
    assert report.verdict == Verdict.FAIL and report.findings[0].action == "reset the device"


@pytest.mark.parametrize("wrap", [lambda gpus: gpus, lambda gpus: {"gpu_data": gpus}])
def test_amd_smi_json_in_both_shapes(wrap: object) -> None:
    gpus = [
        {
            "gpu": 0,
            "asic": {"market_name": "AMD Instinct MI300X"},
            "ecc": {"total_correctable_count": 0, "total_uncorrectable_count": 0},
        },
        {"gpu": 1, "asic": {"market_name": "N/A"}, "ecc": {"total_correctable_count": "N/A", "total_uncorrectable_count": "N/A"}},
    ]
    report = parse_amd_smi(json.dumps(wrap(gpus)))  # type: ignore[operator]
    assert (report.verdict, report.device_count) == (Verdict.PASS, 2)
    gpus[1]["ecc"] = {"total_uncorrectable_count": {"value": 4, "unit": ""}}
    assert parse_amd_smi(json.dumps(wrap(gpus))).verdict == Verdict.FAIL  # type: ignore[operator]


def test_amd_smi_json_without_gpus_is_no_device() -> None:
    assert parse_amd_smi("[]").verdict == Verdict.FAIL


def test_rocm_smi_json_key_case_changed() -> None:
    report = parse_rocm_smi(
        json.dumps({"card0": {"Card Series": "AMD Instinct MI210"}, "card1": {"Card series": "AMD Instinct MI210"}})
    )
    assert [d.name for d in report.devices or []] == ["AMD Instinct MI210"] * 2


def test_rocm_smi_driver_not_loaded_is_a_fault() -> None:
    report = parse_rocm_smi("ERROR:root:Driver not initialized (amdgpu not found in modules)\n")
    assert report.verdict == Verdict.FAIL and report.findings[0].action == "reboot"


def test_rocm_smi_cut_before_the_end_is_unknown() -> None:
    lines = text(A + "mi300x_4gpu_rocm-smi_concise.txt").splitlines()
    assert parse_rocm_smi("\n".join(lines[:8])).verdict == Verdict.UNKNOWN


def test_rocminfo_cut_before_done_is_unknown() -> None:
    t = text(A + "mi300x_4gpu_rocminfo.txt")
    assert parse_rocminfo(t[: t.index("*** Done ***")]).verdict == Verdict.UNKNOWN


@pytest.mark.parametrize("parse", [parse_amd_smi, parse_rocm_smi, parse_rocminfo])
def test_empty_or_foreign_output_is_unknown(parse: object) -> None:
    nvidia = text("real/nvidia/a100-sxm4-80gb_4gpu_smi-table_idle_drv555.txt")
    for t in ("", nvidia):
        assert parse(t).verdict == Verdict.UNKNOWN  # type: ignore[operator]


def test_amd_smi_text_blocks_count_gpus_and_read_ecc() -> None:
    # the shape of `amd-smi list` / `amd-smi metric --ecc` text, as AMD's CLI docs print it
    listing = "GPU: 0\n    BDF: 0000:23:00.0\n    UUID: 67ff740f-0000-1000-80e6-b5bb3c3ce0db\n\nGPU: 1\n    BDF: 0000:43:00.0\n"
    report = parse_amd_smi(listing)
    assert (report.verdict, report.device_count) == (Verdict.PASS, 2)
    ecc = "GPU: 0\n    ECC:\n        TOTAL_CORRECTABLE_COUNT: 0\n        TOTAL_UNCORRECTABLE_COUNT: 2\n"
    assert parse_amd_smi(ecc).verdict == Verdict.FAIL


def test_amd_smi_usage_text_proves_nothing() -> None:
    usage = (
        "usage: amd-smi [-h]  ...\n\nAMD System Management Interface | Version: 24.5.2.0 | ROCm version: 6.1.2\n\nAMD-SMI Commands:\n"
    )
    assert parse_amd_smi(usage).verdict == Verdict.UNKNOWN


def test_amd_smi_table_cut_before_its_closing_border_is_unknown() -> None:
    lines = text(A + "amd-smi_default_mi300x_1gpu_baremetal_amdsmi-26.2.0_rocm-7.1.1.txt").splitlines()
    assert parse_amd_smi("\n".join(lines[:-1])).verdict == Verdict.UNKNOWN


def test_rocm_smi_two_logs_run_together_are_unknown() -> None:
    t = text(A + "mi300x_4gpu_rocm-smi_concise.txt")
    assert parse_rocm_smi(t + t).verdict == Verdict.UNKNOWN


def test_rocm_smi_error_that_is_not_about_unsupported_telemetry_still_fails() -> None:
    t = text(A + "rocm-smi_concise_rocm5-6_1gpu_sclk-unsupported-ERROR-line_map-at-exception_power-NA_LOWPROV.txt")
    report = parse_rocm_smi(t.replace("sclk clock is unsupported", "GPU reset failed"))
    assert report.verdict == Verdict.FAIL
