"""npu-smi info on real captures from npu-smi 22.0.4 to 25.3 (910B, 310P3 cards with two chips,
the Atlas A3 with two chips per NPU, vNPU slices) and its tool errors."""

from __future__ import annotations

import pytest

from regionkit.health import Verdict
from regionkit.health.ascend import parse_npu_smi

from .corpus import Case, check, text

A = "real/ascend/"
CASES: dict[str, Case] = {
    A + "npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt": Case("npu-smi", "pass", 16),
    A + "npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt": Case("npu-smi", "pass", 2),
    A + "npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt": Case("npu-smi", "pass", 8),
    # Atlas A3: 8 NPUs of two chips each (Phy-ID 0..15) are 8 devices, not 16
    A + "npu-smi-info_A3-Ascend910_8npu-16chip_idle_npu-smi-24.1.rc3.7.txt": Case("npu-smi", "pass", 8),
    A + "npu-smi-info_A3-Ascend910_8npu-16chip_idle_npu-smi-25.2.1.txt": Case("npu-smi", "pass", 8),
    A + "npu-smi-info_310P3_atlas-300I-duo_1npu-2chip_npu-smi-25.2.0.txt": Case("npu-smi", "pass", 1),
    A + "npu-smi-info_310P3_1npu_npu-smi-22.0.4_hami-tutorial-host.txt": Case("npu-smi", "pass", 1),
    A + "npu-smi-info_310Pvir01-vNPU_1npu_npu-smi-22.0.4_in-container.txt": Case("npu-smi", "pass", 1),
    A + "npu-smi-info_910B2C_2npu_npu-smi-23.0.2.1_trailing-blanks_nputop-test.txt": Case("npu-smi", "pass", 2),
    A + "npu-smi-info_310B4_1npu_Health-Alarm_busid-NA_npu-smi-23.0.0_nputop-test.txt": Case("npu-smi", "fail", 1),
    A + "npu-smi-info_ERROR_dcmi-initialized-failed-device-used_ret-8020.txt": Case("npu-smi", "fail", None),
    # added for the parsers hunt: npu-smi 21.0.x and 24.1.0, an all-digit chip name, tool errors
    A + "npu-smi-info_310_atlas-200dk_1npu_busid-NA_npu-smi-21.0.3.1_mindx-sdk-readme_LOWPROV.txt": Case("npu-smi", "pass", 1),
    A + "npu-smi-info_910A_2npu-ids-1-and-4_container_npu-smi-21.0.2_ascend-utils-readme.txt": Case("npu-smi", "pass", 2),
    A + "npu-smi-info_910B1_8npu_idle_no-running-processes-rows_npu-smi-24.1.0_vllm-ascend-issue3403.txt": Case("npu-smi", "pass", 8),
    A + "npu-smi-info_310B4_1npu_OK_busid-NA_soc_npu-smi-24.1.0_orangepi-aipro_LOWPROV.txt": Case("npu-smi", "pass", 1),
    A + "npu-smi-info_ERROR_dcmi-module-initialize-failed_ret-8005_firmware-upgraded-no-reboot_mindcluster-docs.txt": Case(
        "npu-smi", "fail", None
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_npu_smi_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


A3 = A + "npu-smi-info_A3-Ascend910_8npu-16chip_idle_npu-smi-24.1.rc3.7.txt"


def test_a3_counts_chips_per_npu() -> None:
    report = parse_npu_smi(text(A3))
    assert [d.chips for d in report.devices or []] == [2] * 8


def test_a3_alarm_on_a_second_chip_fails_that_npu() -> None:
    lines = text(A3).splitlines()
    second_chip_of_npu_3 = [n for n, ln in enumerate(lines) if ln.startswith("| 3     Ascend910")][1]
    lines[second_chip_of_npu_3] = lines[second_chip_of_npu_3].replace("| OK            |", "| Alarm         |")
    report = parse_npu_smi("\n".join(lines))
    assert report.verdict == Verdict.FAIL and report.findings[0].device == "NPU 3"


def test_warning_health_is_a_warning() -> None:
    t = text(A + "npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt")
    report = parse_npu_smi(t.replace("| 4     910B3               | OK   ", "| 4     910B3               | Warning", 1))
    assert report.verdict == Verdict.WARN


def test_cut_after_a_first_chip_row_is_unknown() -> None:
    lines = text(A + "npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt").splitlines()
    assert parse_npu_smi("\n".join(lines[:10])).verdict == Verdict.UNKNOWN


def test_dcmi_init_failure_is_a_fault() -> None:
    report = parse_npu_smi("DrvMngGetConsoleLogLevel failed. (g_conLogLevel=3)\ndcmi module initialize failed. ret is -8005\n")
    assert report.verdict == Verdict.FAIL and report.device_count is None


def test_empty_output_is_unknown() -> None:
    assert parse_npu_smi("").verdict == Verdict.UNKNOWN


def test_cut_after_the_last_chip_row_before_its_border_is_unknown() -> None:
    lines = text(A + "npu-smi-info_910B1_8npu_idle_no-running-processes-rows_npu-smi-24.1.0_vllm-ascend-issue3403.txt").splitlines()
    last_chip = max(n for n, ln in enumerate(lines) if ln.startswith("| 0                         | 0000:"))
    assert parse_npu_smi("\n".join(lines[: last_chip + 1])).verdict == Verdict.UNKNOWN


def test_two_outputs_run_together_are_unknown() -> None:
    t = text(A + "npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt")
    assert parse_npu_smi(t + t).verdict == Verdict.UNKNOWN


def test_an_all_digit_chip_name_is_a_name_not_a_chip_row() -> None:
    report = parse_npu_smi(text(A + "npu-smi-info_310_atlas-200dk_1npu_busid-NA_npu-smi-21.0.3.1_mindx-sdk-readme_LOWPROV.txt"))
    assert [(d.index, d.name, d.bus_id) for d in report.devices or []] == [("0", "310", "NA")]
