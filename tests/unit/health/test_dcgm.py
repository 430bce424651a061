"""dcgmi diag text on real captures (DCGM 3.3), and the -j JSON in the layout DCGM writes."""

from __future__ import annotations

import json

import pytest

from regionkit.health import Verdict
from regionkit.health.dcgm import parse_dcgmi_diag

from .corpus import Case, check, text

D = "real/dcgm/"
CASES: dict[str, Case] = {
    D + "dcgmi-diag-r1_v100-pcie-1gpu_PASS_dcgm3.3.9_LOWPROV.txt": Case("dcgmi-diag", "pass", 1),
    D + "dcgmi-diag-r3-v_v100-pcie-1gpu_PASS-verbose-info-rows_dcgm3.3.9_LOWPROV.txt": Case("dcgmi-diag", "pass", 1),
    D + "dcgmi-diag-r3_h200-8gpu_PASS_dcgm3.3.9_drv570_ramble-comment.txt": Case("dcgmi-diag", "pass", 8),
    D + "dcgmi-diag-r3-fail-early_h100-8gpu_FAIL-GPU-Memory_cuInit-system-not-yet-initialized_dcgm3.3.8.txt": Case(
        "dcgmi-diag", "fail", 8
    ),
    D + "dcgmi-diag-r2_EXCERPT_8gpu_FAIL-GPU0-GPU-Memory_thermal-violations.txt": Case("dcgmi-diag", "fail", None),
    D + "dcgmi-diag_EXCERPT_deployment-ERROR_uncorrectable-memory-row-remap-pending_xid64.txt": Case("dcgmi-diag", "fail", None),
    D + "dcgmi_ERROR_unable-to-connect-to-host-engine_nv-hostengine-down_LOWPROV.txt": Case("dcgmi-diag", "fail", None),
    # added for the parsers hunt (SOURCES.md "Added by the parsers hunt"): DCGM 1.x-4.x layouts
    D + "dcgmi-diag-r4_PASS_Blacklist-layout_dcgm2.x_gcm-docstring.txt": Case("dcgmi-diag", "pass", None),
    D + "dcgmi-diag-r1_p100-sxm2-4gpu_ppc64le_CUDA-Toolkit-Libraries-Skip_dcgm1.x_LOWPROV.txt": Case("dcgmi-diag", "pass", None),
    D + "dcgmi-diag-r2_p100-sxm2-4gpu_ppc64le_Performance-category_Diagnostic-Skip_dcgm1.x_LOWPROV.txt": Case(
        "dcgmi-diag", "pass", None
    ),
    D + "dcgmi-diag-r2_p4de-a100-8gpu_nvlinks-expected-up-12_PASS_dcgm3.3.3_drv535_LOWPROV.txt": Case("dcgmi-diag", "pass", 8),
    D + "dcgmi-diag-r2-i0_1gpu-2237_PASS_per-GPU-rows_dcgm4.4.2_drv580_issue124.txt": Case("dcgmi-diag", "pass", 1),
    D + "dcgmi-diag-r3_4gpu-25b6_PASS_per-GPU-rows_dcgm4.0.0_drv550_nvidia-user-guide.txt": Case("dcgmi-diag", "pass", 4),
    D + "dcgmi-diag-r2_8gpu-2204_FAIL-PCIe-cudaDeviceGetByPCIBusId_unsupported-driver-combo_dcgm3.3.0_drv530_LOWPROV.txt": Case(
        "dcgmi-diag", "fail", 8
    ),
    D + "dcgmi-diag-r2-v_EXCERPT_v100-4gpu_FAIL-pcie-internal-error-child-process_dcgm4.4.1_drv580_issue254.txt": Case(
        "dcgmi-diag", "fail", 4
    ),
    D + "dcgmi-diag_FAIL_deployment-Persistence-Env-PageRetirement-Graphics-Inforom_empty-categories_LOWPROV.txt": Case(
        "dcgmi-diag", "fail", None
    ),
    D + "dcgmi-diag-r3_ERROR_unable-to-complete-diagnostic_cannot-load-plugins_dcgm4.4_issue254.txt": Case("dcgmi-diag", "fail", None),
    # persistence off is CONFIG, and so is the Error row DCGM prints under it; Memtest passed
    D + "dcgmi-diag-r4_gpuList0_rtx2060_persistence-off-Error-row_tests-skipped_memtest-pass_LOWPROV.txt": Case(
        "dcgmi-diag", "warn", None
    ),
    # -r 3 that skipped every hardware test (and printed its report twice) checked the deployment only
    D + "dcgmi-diag-r3_srun_2gpu-2bb5_every-hardware-test-Skip_two-reports_dcgm3.3.9_drv570.txt": Case("dcgmi-diag", "unknown", 2),
    # real -j documents: DCGM 4.2.3 (error_severity 5 = CONFIG) and a cut DCGM 4 fragment
    D + "dcgmi-diag-r1-j_gb10-dgx-spark_1gpu_software-Fail-persistence-CONFIG-severity5_dcgm4.2.3_drv580_LOWPROV.json": Case(
        "dcgmi-diag", "warn", 1
    ),
    D + "dcgmi-diag-r3-j_EXCERPT_8gpu_diagnostic-test-only_trailing-comma_dcgm4_issue215.json": Case("dcgmi-diag", "unknown", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dcgm_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


def _doc(statuses: dict[str, str], key: str = "DCGM Diagnostic") -> str:
    tests = [{"name": name, "results": [{"entity_group": "GPU", "entity_id": 0, "status": s}]} for name, s in statuses.items()]
    return json.dumps({key: {"test_categories": [{"category": "Hardware", "tests": tests}]}, "metadata": {"version": "4.2.3"}})


@pytest.mark.parametrize("key", ["DCGM Diagnostic", "DCGM GPU Diagnostic"])
def test_json_pass_and_fail(key: str) -> None:
    assert parse_dcgmi_diag(_doc({"memory": "Pass", "pcie": "Pass"}, key)).verdict == Verdict.PASS
    failed = parse_dcgmi_diag(_doc({"memory": "Fail", "pcie": "Pass"}, key))
    assert failed.verdict == Verdict.FAIL and failed.findings[0].device == "GPU 0"


def test_json_where_every_test_was_skipped_proves_nothing() -> None:
    assert parse_dcgmi_diag(_doc({"memory": "Skip", "pcie": "Skip"})).verdict == Verdict.UNKNOWN


def test_json_cut_in_the_middle_is_unknown() -> None:
    doc = _doc({"memory": "Pass"})
    assert parse_dcgmi_diag(doc[: len(doc) // 2]).verdict == Verdict.UNKNOWN


def test_text_with_only_skips_proves_nothing() -> None:
    text = "| Diagnostic | Result |\n| PCIe | Skip - All |\n| Memory Bandwidth | Skip - All |\n"
    assert parse_dcgmi_diag(text).verdict == Verdict.UNKNOWN


def test_persistence_mode_failure_is_a_configuration_warning() -> None:
    border = "+---------------------------+------------------------------------------------+\n"
    text = border + "| Persistence Mode | Fail |\n| GPU Memory | Pass - All |\n" + border
    assert parse_dcgmi_diag(text).verdict == Verdict.WARN


def test_per_gpu_result_rows_name_the_failing_gpu() -> None:
    text = "| Diagnostic | Result |\n| memory | Fail |\n|  | GPU0: Pass |\n|  | GPU1: Fail |\n| pcie | Pass |\n"
    report = parse_dcgmi_diag(text)
    assert report.verdict == Verdict.FAIL
    assert "GPU 1" in [f.device for f in report.findings]


GCM = D + "dcgmi-diag-r4_PASS_Blacklist-layout_dcgm2.x_gcm-docstring.txt"
GB10 = D + "dcgmi-diag-r1-j_gb10-dgx-spark_1gpu_software-Fail-persistence-CONFIG-severity5_dcgm4.2.3_drv580_LOWPROV.json"


def test_a_failing_test_named_diagnostic_is_not_taken_for_the_header_row() -> None:
    t = text(GCM)
    broken = t.replace("| Diagnostic                | Pass - All", "| Diagnostic                | Fail - All")
    assert broken != t
    report = parse_dcgmi_diag(broken)
    assert report.verdict == Verdict.FAIL and "Diagnostic" in report.findings[0].what


@pytest.mark.parametrize(
    ("severity", "verdict", "action"), [(5, "warn", "none"), (6, "fail", "reset the device"), (2, "fail", "drain")]
)
def test_json_error_severity_grades_the_failure(severity: int, verdict: str, action: str) -> None:
    doc = json.loads(text(GB10))
    warning = doc["DCGM Diagnostic"]["test_categories"][0]["tests"][0]["results"][0]["warnings"][0]
    warning["error_severity"] = severity
    warning["warning"] = "GPU 0 has uncorrectable memory errors"
    report = parse_dcgmi_diag(json.dumps(doc))
    assert (report.verdict, report.findings[0].action) == (verdict, action)


def test_json_after_dcgmi_own_first_line_is_read() -> None:
    report = parse_dcgmi_diag("Successfully ran diagnostic for group.\n" + text(GB10))
    assert (report.verdict, report.device_count) == (Verdict.WARN, 1)


def test_text_cut_before_the_closing_border_is_unknown() -> None:
    lines = text(GCM).splitlines()
    assert parse_dcgmi_diag("\n".join(lines[:-1])).verdict == Verdict.UNKNOWN


def test_two_reports_in_one_capture_are_unknown() -> None:
    assert parse_dcgmi_diag(text(GCM) + text(GCM)).verdict == Verdict.UNKNOWN
