"""nvidia-smi (table, --query-gpu CSV, -q, -q -x, topo -m) on real captures from driver
branches 367 to 610, and on cut, elided and broken variants of them."""

from __future__ import annotations

import pytest

from regionkit.health import Verdict, judge
from regionkit.health.nvidia import parse_csv, parse_q, parse_table, parse_topo, parse_xml

from .corpus import Case, check, text

N = "real/nvidia/"
CASES: dict[str, Case] = {
    # the default table
    N + "a100-sxm4-80gb_4gpu_smi-table_idle_drv555.txt": Case("nvidia-smi", "pass", 4),
    N + "h100-80gb-hbm3_1gpu_smi-table_load_drv590.txt": Case("nvidia-smi", "pass", 1),
    N + "h100-sxm5-80gb_8gpu_smi-table_idle_drv565.txt": Case("nvidia-smi", "pass", 8),
    # persistence off is the pool's expectation, not a fault of the GPUs
    N + "h100-sxm5-80gb_8gpu_smi-table_persistence-off_drv560_nccl-tests-issue264.txt": Case("nvidia-smi", "pass", 8),
    N + "smi-table_v100-sxm2-32gb_1gpu_drv525_empty-process-table.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_titan-xp_1gpu_drv450_gpu-section-only.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_v100-sxm2-16gb_1gpu_drv470_gpu-section_EXCERPT.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_tesla-p4_1gpu_drv550_gpu-section_EXCERPT.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_quadro-k3100m_1gpu_drv367_two-line-box_EXCERPT.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_rtx-pro-6000-blackwell_4gpu_GPU1-MISSING_unable-to-determine-handle_drv610.txt": Case("nvidia-smi", "fail", 3),
    N + "smi_ERROR_unable-to-determine-device-handle_new-format_tesla-p4.txt": Case("nvidia-smi", "fail", None),
    N + "smi_ERROR_NVML-driver-library-version-mismatch_drv535.txt": Case("nvidia-smi", "fail", None),
    N + "smi_ERROR_NVML-driver-library-version-mismatch_drv460-unattended-upgrade.txt": Case("nvidia-smi", "fail", None),
    N + "smi_ERROR_no-devices-were-found.txt": Case("nvidia-smi", "fail", 0),
    N + "smi_ERROR_GPU-is-lost_reboot-to-recover_LOWPROV.txt": Case("nvidia-smi", "fail", None),
    # --query-gpu CSV
    N + "h100-80gb-hbm3_1gpu_query-gpu-csv_allfields_load_drv590.txt": Case("nvidia-smi-csv", "pass", 1),
    N + "h100-mig_1gpu_query-gpu-csv_allfields_load_drv590.txt": Case("nvidia-smi-csv", "pass", 1),
    N + "h200_1gpu_query-gpu-csv_allfields_idle_drv590.txt": Case("nvidia-smi-csv", "pass", 1),
    N + "h100-sxm5_8gpu_query-gpu-csv_index-name-uuid-mem-driver-vbios-pcie-power-clocks_drv580.txt": Case(
        "nvidia-smi-csv", "pass", 8
    ),
    N + "h200_8gpu_query-gpu-csv_index-name-memtotal-driver-powerlimit-pstate_drv570.txt": Case("nvidia-smi-csv", "pass", 8),
    N + "query-gpu-csv-noheader_GPU0-lost_1of2-rows_windows_LOWPROV.txt": Case("nvidia-smi-csv", "fail", None),
    # -q: GPU 1 of the A100 capture has "Remapped Rows / Pending: Yes"
    N + "a100-sxm4-80gb_4gpu_smi-q_idle_drv555.txt": Case("nvidia-smi-q", "fail", 4),
    N + "h100-80gb-hbm3_1gpu_smi-q_load_drv590.txt": Case("nvidia-smi-q", "pass", 1),
    N + "h100-mig_1gpu_smi-q_load_drv590.txt": Case("nvidia-smi-q", "pass", 1),
    N + "h100-sxm5-80gb_8gpu_smi-q_idle_drv565.txt": Case("nvidia-smi-q", "pass", 8),
    N + "h200_1gpu_smi-q_idle_drv590.txt": Case("nvidia-smi-q", "pass", 1),
    N + "smi-a-i0_ERROR_unable-to-determine-device-handle_old-format.txt": Case("nvidia-smi-q", "fail", None),
    N + "smi-q_EXCERPT_ECC-SRAM-uncorrectable-volatile1-aggregate5.txt": Case("nvidia-smi-q", "fail", 1),
    N + "smi-q_EXCERPT_a100-sxm4-80gb_8gpu_ECC-DRAM-correctable-177_remapped-rows-PENDING_xid63_drv510.txt": Case(
        "nvidia-smi-q", "fail", 1
    ),
    # -q -x: the telegraf A100 file keeps 1 of its 4 attached GPUs
    N + "a100-sxm4-80gb_smi-q-x_xml_mig-enabled_drv535_1of4gpus.xml": Case("nvidia-smi-xml", "unknown", 1),
    N + "a10g_smi-q-x_xml.xml": Case("nvidia-smi-xml", "pass", 1),
    # topo -m
    N + "b200_8gpu_topo-m_nvswitch-NV18_16nic_together-use3a.txt": Case("nvidia-topo", "pass", 8),
    N + "h100-80gb-hbm3_1gpu_topo-m_with-ANSI-underline-escapes_drv590.txt": Case("nvidia-topo", "pass", 1),
    N + "h100-sxm5_8gpu_topo-m_nvswitch-NV18_12nic_hpe-cray-xd670_drv580.txt": Case("nvidia-topo", "pass", 8),
    N + "h200-sxm_8gpu_topo-m_nvswitch-NV18_8nic-mlx5_drv570.txt": Case("nvidia-topo", "pass", 8),
    # added for the parsers hunt: drivers 470-595, ERR! boxes, MIG, NVML errors, excerpts
    N + "h100-nvl_2gpu_smi-table_idle_drv550.54.txt": Case("nvidia-smi", "pass", 2),
    N + "smi-table_a100-sxm4-40gb_1gpu_MIG-4-instances_1c-compute-instances_drv580.126_LOWPROV.txt": Case("nvidia-smi", "pass", 1),
    N + "smi-table_a100-pcie-40gb_1gpu_MIG-7x1g.5gb_no-blank-before-MIG_no-process-table_drv535.161_LOWPROV.txt": Case(
        "nvidia-smi", "pass", 1
    ),
    N + "smi-table_a100-80gb-pcie_4gpu_GPU2-GPU3-ERR_drv595_node-a100-06_vllm-load_LOWPROV.txt": Case("nvidia-smi", "fail", 4),
    N + "smi-table_a100-80gb-pcie_4gpu_GPU2-GPU3-ERR_drv595_node-a100-04_idle_LOWPROV.txt": Case("nvidia-smi", "fail", 4),
    N + "smi-table_a40_8gpu_GPU4-ERR-name-and-all-cells_xid119-gsp_drv525.60_ogkm-issue446.txt": Case("nvidia-smi", "fail", 8),
    N + "smi-table_a30_8gpu_GPU3-ERR_xid119-gsp_no-process-table_drv525.85_ogkm-issue446.txt": Case("nvidia-smi", "fail", 8),
    # a fan that reads ERR! is judged as the table shows it (WSL2 prints it; a fault until proven otherwise)
    N + "smi-table_geforce-3gb_1gpu_wsl2_fan-ERR_power-NA_drv470.223-win474.64_LOWPROV.txt": Case("nvidia-smi", "fail", 1),
    # boxes without the banner: the fault shows, the device count does not
    N + "smi-table_EXCERPT_h100-80gb-hbm3_GPU5-box-only_ERR_after-xid119_LOWPROV.txt": Case("nvidia-smi", "fail", None),
    N + "smi-table_EXCERPT_a100-sxm4_GPU4-GPU5-boxes_GPU5-ERR-all-cells_gsp-timeout_lambda-docs_LOWPROV.txt": Case(
        "nvidia-smi", "fail", None
    ),
    N + "smi_ERROR_NVML-unknown-error_container-after-systemctl-daemon-reload_drv510_nvidia-docker-issue1671.txt": Case(
        "nvidia-smi", "fail", None
    ),
    N + "smi_ERROR_NVML-insufficient-permissions_docker-selinux_LOWPROV.txt": Case("nvidia-smi", "fail", None),
    N + "smi_ERROR_couldnt-communicate-with-the-NVIDIA-driver_after-apt-upgrade_LOWPROV.txt": Case("nvidia-smi", "fail", None),
    N + "query-gpu-csv-noheader_loop-l1_utilization-encoder-decoder_Unknown-Error-after-first-sample_LOWPROV.txt": Case(
        "nvidia-smi-csv", "fail", None
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_nvidia_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


TABLE = N + "a100-sxm4-80gb_4gpu_smi-table_idle_drv555.txt"


def test_table_fault_in_the_second_line_of_a_box_fails_that_gpu() -> None:
    lines = text(TABLE).splitlines()
    row = next(n for n, ln in enumerate(lines) if "59W /  500W" in ln)
    lines[row] = lines[row].replace("25C    P0             59W /  500W", "ERR!   P0            ERR! /  500W")
    report = parse_table("\n".join(lines) + "\n")
    assert report.verdict == Verdict.FAIL
    assert [f.device for f in report.findings if f.severity == "fail"] == ["0"]


def test_table_uncorrectable_ecc_cell_fails() -> None:
    report = parse_table(text(TABLE).replace("Off |                    0 |", "Off |                    2 |", 1))
    assert report.verdict == Verdict.FAIL and "uncorrectable ECC" in report.findings[0].what


@pytest.mark.parametrize("keep", [8, 9, 12, 17])
def test_table_cut_anywhere_is_never_a_pass(keep: int) -> None:
    lines = text(TABLE).splitlines()
    assert parse_table("\n".join(lines[:keep])).verdict == Verdict.UNKNOWN


def test_driver_mismatch_fails_every_nvidia_kind() -> None:
    mismatch = text(N + "smi_ERROR_NVML-driver-library-version-mismatch_drv535.txt")
    for parse in (parse_table, parse_csv, parse_q, parse_xml, parse_topo):
        report = parse(mismatch)
        assert report.verdict == Verdict.FAIL and report.findings[0].action == "reboot", parse.__name__


@pytest.mark.parametrize("kind", ["nvidia-smi", "nvidia-smi-csv", "nvidia-smi-q", "nvidia-smi-xml", "nvidia-topo"])
def test_empty_or_foreign_output_is_unknown(kind: str) -> None:
    assert judge(kind, "").verdict == Verdict.UNKNOWN
    foreign = text("real/ascend/npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt")
    assert judge(kind, foreign).verdict == Verdict.UNKNOWN


def test_q_cut_before_the_last_gpus_is_unknown() -> None:
    q = text(N + "h100-sxm5-80gb_8gpu_smi-q_idle_drv565.txt")
    report = parse_q(q[: q.index("GPU 00000000:2A:00.0")])
    assert (report.verdict, report.device_count) == (Verdict.UNKNOWN, 1)


def test_q_recovery_action_from_the_driver_is_a_fault() -> None:
    q = text(N + "h200_1gpu_smi-q_idle_drv590.txt")
    assert "GPU Recovery Action" in q
    broken = q.replace(
        "GPU Recovery Action                                : None", "GPU Recovery Action                                : Reboot"
    )
    report = parse_q(broken)
    assert report.verdict == Verdict.FAIL and report.findings[0].action == "reboot"


def test_csv_remapping_failure_asks_for_replacement() -> None:
    csv_text = "index, name, remapped_rows.pending, remapped_rows.failure\n0, NVIDIA A100, No, Yes\n"
    report = parse_csv(csv_text)
    assert report.verdict == Verdict.FAIL and report.findings[0].action == "replace"


def test_xml_cut_document_is_unknown() -> None:
    xml = text(N + "a10g_smi-q-x_xml.xml")
    assert parse_xml(xml[: len(xml) // 2]).verdict == Verdict.UNKNOWN


def test_healthy_boxes_without_a_banner_prove_nothing() -> None:
    box = text(N + "smi-table_EXCERPT_a100-sxm4_GPU4-GPU5-boxes_GPU5-ERR-all-cells_gsp-timeout_lambda-docs_LOWPROV.txt")
    healthy = "\n".join(box.splitlines()[:5]) + "\n"
    report = parse_table(healthy)
    assert (report.verdict, report.device_count) == (Verdict.UNKNOWN, None)


def test_two_tables_run_together_are_unknown() -> None:
    assert parse_table(text(TABLE) + text(TABLE)).verdict == Verdict.UNKNOWN


@pytest.mark.parametrize("key", ["Reset Required", "Drain and Reset Recommended"])
def test_q_reset_status_from_the_driver_is_a_fault(key: str) -> None:
    q = text(N + "a100-sxm4-80gb_4gpu_smi-q_idle_drv555.txt").replace("Pending                           : Yes", "Pending : No")
    line = next(ln for ln in q.splitlines() if ln.strip().startswith(key))
    report = parse_q(q.replace(line, line.replace(": No", ": Yes"), 1))
    assert report.verdict == Verdict.FAIL and any(f.action == "reset the device" and key.lower() in f.what for f in report.findings)


def test_q_cut_inside_the_last_gpu_block_is_unknown() -> None:
    q = text(N + "h200_1gpu_smi-q_idle_drv590.txt")
    report = parse_q(q[: q.index("    Temperature")])
    assert (report.verdict, report.device_count) == (Verdict.UNKNOWN, 1)


def test_csv_with_its_header_twice_is_unknown() -> None:
    csv_text = text(N + "h200_8gpu_query-gpu-csv_index-name-memtotal-driver-powerlimit-pstate_drv570.txt")
    assert parse_csv(csv_text + csv_text).verdict == Verdict.UNKNOWN
