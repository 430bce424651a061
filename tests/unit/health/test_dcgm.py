"""dcgmi diag text on real captures (DCGM 3.3), and the -j JSON in the layout DCGM writes."""

from __future__ import annotations

import json

import pytest

from regionkit.health import Verdict
from regionkit.health.dcgm import parse_dcgmi_diag

from .corpus import Case, check

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
    text = "| Persistence Mode | Fail |\n| GPU Memory | Pass - All |\n"
    assert parse_dcgmi_diag(text).verdict == Verdict.WARN


def test_per_gpu_result_rows_name_the_failing_gpu() -> None:
    text = "| Diagnostic | Result |\n| memory | Fail |\n|  | GPU0: Pass |\n|  | GPU1: Fail |\n| pcie | Pass |\n"
    report = parse_dcgmi_diag(text)
    assert report.verdict == Verdict.FAIL
    assert "GPU 1" in [f.device for f in report.findings]
