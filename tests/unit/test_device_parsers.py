"""Device-tool parsers on real recorded output (tests/fixtures/real, sources in SOURCES.md) and
on the synthetic T-Head fixtures: every fixture is classified right (pass, fail, wrong data),
the device counts are read right, and the pool's expectations are checked apart from health."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from regionkit.adapters.tools import devices as d

from ..conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
Parser = Callable[[str], d.DeviceReport]

# file -> (parser, verdict, devices described). Why each non-pass is what it is:
#   a100 4gpu -q: a real capture in which GPU 1 has "Remapped Rows / Pending: Yes";
#   the telegraf XML says attached_gpus 4 but its contributor kept one <gpu> element;
#   the excerpts show real faults, and a fault dominates their elision.
CASES: dict[str, tuple[Parser, str, int]] = {
    "real/nvidia/a100-sxm4-80gb_4gpu_smi-q_idle_drv555.txt": (d.parse_nvidia_smi_q, "fail", 4),
    "real/nvidia/a100-sxm4-80gb_4gpu_smi-table_idle_drv555.txt": (d.parse_nvidia_smi_table, "pass", 4),
    "real/nvidia/a100-sxm4-80gb_smi-q-x_xml_mig-enabled_drv535_1of4gpus.xml": (d.parse_nvidia_smi_xml, "wrong-data", 1),
    "real/nvidia/a10g_smi-q-x_xml.xml": (d.parse_nvidia_smi_xml, "pass", 1),
    "real/nvidia/b200_8gpu_topo-m_nvswitch-NV18_16nic_together-use3a.txt": (d.parse_nvidia_topo, "pass", 8),
    "real/nvidia/dmesg_NVRM_fallen-off-the-bus_no-xid_drv570.txt": (d.parse_kernel_log, "fail", 0),
    "real/nvidia/h100-80gb-hbm3_1gpu_query-gpu-csv_allfields_load_drv590.txt": (d.parse_nvidia_smi_csv, "pass", 1),
    "real/nvidia/h100-80gb-hbm3_1gpu_smi-q_load_drv590.txt": (d.parse_nvidia_smi_q, "pass", 1),
    "real/nvidia/h100-80gb-hbm3_1gpu_smi-table_load_drv590.txt": (d.parse_nvidia_smi_table, "pass", 1),
    "real/nvidia/h100-80gb-hbm3_1gpu_topo-m_with-ANSI-underline-escapes_drv590.txt": (d.parse_nvidia_topo, "pass", 1),
    "real/nvidia/h100-mig_1gpu_query-gpu-csv_allfields_load_drv590.txt": (d.parse_nvidia_smi_csv, "pass", 1),
    "real/nvidia/h100-mig_1gpu_smi-q_load_drv590.txt": (d.parse_nvidia_smi_q, "pass", 1),
    "real/nvidia/h100-sxm5-80gb_8gpu_smi-q_idle_drv565.txt": (d.parse_nvidia_smi_q, "pass", 8),
    "real/nvidia/h100-sxm5-80gb_8gpu_smi-table_idle_drv565.txt": (d.parse_nvidia_smi_table, "pass", 8),
    "real/nvidia/h100-sxm5-80gb_8gpu_smi-table_persistence-off_drv560_nccl-tests-issue264.txt": (
        d.parse_nvidia_smi_table,
        "pass",
        8,
    ),
    "real/nvidia/h100-sxm5_8gpu_query-gpu-csv_index-name-uuid-mem-driver-vbios-pcie-power-clocks_drv580.txt": (
        d.parse_nvidia_smi_csv,
        "pass",
        8,
    ),
    "real/nvidia/h100-sxm5_8gpu_topo-m_nvswitch-NV18_12nic_hpe-cray-xd670_drv580.txt": (d.parse_nvidia_topo, "pass", 8),
    "real/nvidia/h200-sxm_8gpu_topo-m_nvswitch-NV18_8nic-mlx5_drv570.txt": (d.parse_nvidia_topo, "pass", 8),
    "real/nvidia/h200_1gpu_query-gpu-csv_allfields_idle_drv590.txt": (d.parse_nvidia_smi_csv, "pass", 1),
    "real/nvidia/h200_1gpu_smi-q_idle_drv590.txt": (d.parse_nvidia_smi_q, "pass", 1),
    "real/nvidia/h200_8gpu_query-gpu-csv_index-name-memtotal-driver-powerlimit-pstate_drv570.txt": (
        d.parse_nvidia_smi_csv,
        "pass",
        8,
    ),
    "real/nvidia/smi-a-i0_ERROR_unable-to-determine-device-handle_old-format.txt": (d.parse_nvidia_smi_q, "fail", 0),
    "real/nvidia/smi-q_EXCERPT_ECC-SRAM-uncorrectable-volatile1-aggregate5.txt": (d.parse_nvidia_smi_q, "fail", 1),
    "real/nvidia/smi-q_EXCERPT_a100-sxm4-80gb_8gpu_ECC-DRAM-correctable-177_remapped-rows-PENDING_xid63_drv510.txt": (
        d.parse_nvidia_smi_q,
        "fail",
        1,
    ),
    "real/nvidia/smi-table_rtx-pro-6000-blackwell_4gpu_GPU1-MISSING_unable-to-determine-handle_drv610.txt": (
        d.parse_nvidia_smi_table,
        "fail",
        3,
    ),
    "real/nvidia/smi_ERROR_unable-to-determine-device-handle_new-format_tesla-p4.txt": (d.parse_nvidia_smi_table, "fail", 0),
    "real/nvidia/syslog_NVRM_Xid63_row-remapper_a100.txt": (d.parse_kernel_log, "fail", 0),
    "real/dcgm/dcgmi-diag-r1_v100-pcie-1gpu_PASS_dcgm3.3.9_LOWPROV.txt": (d.parse_dcgmi_diag, "pass", 1),
    "real/dcgm/dcgmi-diag-r2_EXCERPT_8gpu_FAIL-GPU0-GPU-Memory_thermal-violations.txt": (d.parse_dcgmi_diag, "fail", 0),
    "real/dcgm/dcgmi-diag-r3-fail-early_h100-8gpu_FAIL-GPU-Memory_cuInit-system-not-yet-initialized_dcgm3.3.8.txt": (
        d.parse_dcgmi_diag,
        "fail",
        8,
    ),
    "real/dcgm/dcgmi-diag-r3-v_v100-pcie-1gpu_PASS-verbose-info-rows_dcgm3.3.9_LOWPROV.txt": (d.parse_dcgmi_diag, "pass", 1),
    "real/dcgm/dcgmi-diag-r3_h200-8gpu_PASS_dcgm3.3.9_drv570_ramble-comment.txt": (d.parse_dcgmi_diag, "pass", 8),
    "real/dcgm/dcgmi-diag_EXCERPT_deployment-ERROR_uncorrectable-memory-row-remap-pending_xid64.txt": (
        d.parse_dcgmi_diag,
        "fail",
        0,
    ),
    "real/ascend/npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt": (d.parse_npu_smi_info, "pass", 16),
    "real/ascend/npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt": (d.parse_npu_smi_info, "pass", 2),
    "real/ascend/npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt": (d.parse_npu_smi_info, "pass", 8),
    "real/amd/amd-smi_default_mi300x-VF_1gpu_sriov-guest_amdsmi-26.2.2_rocm-7.2.1.txt": (d.parse_amd_smi, "pass", 1),
    "real/amd/amd-smi_default_mi300x_1gpu_baremetal_amdsmi-26.2.0_rocm-7.1.1.txt": (d.parse_amd_smi, "pass", 1),
    "real/amd/amd-smi_default_mi300x_8gpu_baremetal_amdsmi-27.0.0_rocm-10.0.0_doc-expected-output.txt": (d.parse_amd_smi, "pass", 8),
    "real/amd/mi100_rocm-smi-json_rocm5.7.1.json": (d.parse_rocm_smi, "pass", 6),
    "real/amd/mi100_rocm-smi-json_rocm6.0.2.json": (d.parse_rocm_smi, "pass", 4),
    "real/amd/mi300x_4gpu_rocm-smi-a_showallinfo.txt": (d.parse_rocm_smi, "pass", 4),
    "real/amd/mi300x_4gpu_rocm-smi_concise.txt": (d.parse_rocm_smi, "pass", 4),
    "real/amd/mi300x_4gpu_rocminfo.txt": (d.parse_rocminfo, "pass", 4),
    "synthetic/thead/ppu-smi-L_8ppu_SYNTHETIC_pass.txt": (d.parse_ppu_smi_list, "pass", 8),
    "synthetic/thead/ppu-smi-L_7of8ppu_SYNTHETIC_FAIL_device-error.txt": (d.parse_ppu_smi_list, "fail", 7),
    "synthetic/thead/ppu-smi-L_SYNTHETIC_wrong-data_truncated.txt": (d.parse_ppu_smi_list, "wrong-data", 1),
}


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_every_device_fixture_is_covered() -> None:
    # The corpus grew past these legacy parsers (issue 20); every capture is judged by
    # regionkit.health in tests/unit/health. Here: the captures these parsers were built on.
    collective = ("/nccl/", "hccl_test", "ccl-tests_")
    on_disk = {
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.glob("*/*/*")
        if p.parent.parent.name in ("real", "synthetic") and p.suffix != ".md" and not any(c in str(p) for c in collective)
    }
    assert set(CASES) <= on_disk


@pytest.mark.parametrize("name", sorted(CASES))
def test_device_fixture_is_classified(name: str) -> None:
    parser, verdict, devices = CASES[name]
    report = parser(_text(name))
    assert (report.verdict, len(report.devices)) == (verdict, devices), report.reasons
    assert (report.reasons == []) == (verdict == "pass")


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[1] == "pass" and case[0] is not d.parse_kernel_log))
def test_truncated_or_foreign_output_is_never_a_pass(name: str) -> None:
    parser = CASES[name][0]
    assert parser("").verdict == "wrong-data"
    foreign = next(n for n, case in CASES.items() if case[0] is not parser and case[1] == "pass")
    assert parser(_text(foreign)).verdict != "pass", f"{parser.__name__} took {foreign} as its own"


def test_cut_outputs_are_wrong_data() -> None:
    npu = _text("real/ascend/npu-smi-info_910B2C_2npu_vllm-load_npu-smi-25.0.rc1.2.txt").splitlines()
    assert d.parse_npu_smi_info("\n".join(npu[:10])).verdict == "wrong-data"  # NPU 1's second row is gone
    concise = _text("real/amd/mi300x_4gpu_rocm-smi_concise.txt").splitlines()
    assert d.parse_rocm_smi("\n".join(concise[:8])).verdict == "wrong-data"
    q = _text("real/nvidia/h100-sxm5-80gb_8gpu_smi-q_idle_drv565.txt")
    assert d.parse_nvidia_smi_q(q[: q.index("GPU 00000000:2A:00.0")]).verdict == "wrong-data"  # 8 attached, 1 described


def test_nvidia_faults_name_the_device() -> None:
    report = d.parse_nvidia_smi_q(_text("real/nvidia/a100-sxm4-80gb_4gpu_smi-q_idle_drv555.txt"))
    assert report.faults == ["device 1: row remapping pending (reset the GPU)"]
    missing = "real/nvidia/smi-table_rtx-pro-6000-blackwell_4gpu_GPU1-MISSING_unable-to-determine-handle_drv610.txt"
    table = d.parse_nvidia_smi_table(_text(missing))
    assert [x.index for x in table.devices] == [0, 2, 3]
    assert "unreachable GPU 1" in table.faults[0]


def test_pool_expectations_are_checked_apart_from_health() -> None:
    off = d.parse_nvidia_smi_table(_text("real/nvidia/h100-sxm5-80gb_8gpu_smi-table_persistence-off_drv560_nccl-tests-issue264.txt"))
    assert off.verdict == "pass"
    assert off.check(count=8, model="H100", persistence=True) == [
        "nvidia-smi: persistence mode is off on device(s) 0, 1, 2, 3, 4, 5, 6, 7"
    ]
    on = d.parse_nvidia_smi_q(_text("real/nvidia/h100-sxm5-80gb_8gpu_smi-q_idle_drv565.txt"))
    assert on.check(count=8, model="H100", persistence=True) == []
    expected = [f"nvidia-smi -q: device {i} is 'NVIDIA H100 80GB HBM3', the pool expects H200" for i in range(8)]
    assert on.check(count=8, model="H200") == expected
    npu = d.parse_npu_smi_info(_text("real/ascend/npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt"))
    assert npu.check(count=8, model="Ascend-910B") == ["npu-smi info: 16 devices visible, the pool expects 8"]
    amd = d.parse_amd_smi(_text("real/amd/amd-smi_default_mi300x-VF_1gpu_sriov-guest_amdsmi-26.2.2_rocm-7.2.1.txt"))
    assert amd.check(count=1, model="MI300X") == []


def test_nvlink_expectation_reads_the_topology() -> None:
    topo = _text("real/nvidia/h200-sxm_8gpu_topo-m_nvswitch-NV18_8nic-mlx5_drv570.txt")
    assert d.parse_nvidia_topo(topo).check(nvlink=True) == []
    degraded = topo.replace("GPU3\tNV18\tNV18\tNV18\t X ", "GPU3\tNV18\tSYS\tNV18\t X ", 1)
    degraded = degraded.replace("GPU1\tNV18\t X \tNV18\tNV18", "GPU1\tNV18\t X \tNV18\tSYS", 1)
    assert d.parse_nvidia_topo(degraded).check(nvlink=True) == ["nvidia-smi topo -m: GPU pairs without NVLink: GPU1-GPU3:SYS"]


def test_npu_health_other_than_ok_is_a_fault() -> None:
    text = _text("real/ascend/npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt")
    report = d.parse_npu_smi_info(text.replace("| 4     910B3               | OK   ", "| 4     910B3               | Alarm", 1))
    assert report.faults == ["NPU 4: health Alarm"]


def test_amd_uncorrectable_ecc_is_a_fault() -> None:
    text = _text("real/amd/amd-smi_default_mi300x_1gpu_baremetal_amdsmi-26.2.0_rocm-7.1.1.txt")
    row = next(line for line in text.splitlines() if "°C" in line)
    broken = text.replace(row, row.replace("°C   0 ", "°C   3 ", 1))
    assert d.parse_amd_smi(broken).faults == ["device 0: 3 uncorrectable ECC errors (volatile)"]


def test_fixture_path_helper_is_repo_relative() -> None:
    assert isinstance(FIXTURES, Path) and (FIXTURES / "real" / "SOURCES.md").exists()
