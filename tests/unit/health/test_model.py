"""The verdict model: the worst finding decides, and pool expectations are checked apart."""

from __future__ import annotations

from regionkit.health import Action, HealthReport, PoolExpectation, Verdict, expectation_problems, judge
from regionkit.health.model import Device

from .corpus import text


def test_worst_finding_decides_and_fail_dominates_unknown() -> None:
    report = HealthReport("x", "x", "1", devices=[])
    assert report.verdict == Verdict.PASS
    report.info("noted")
    assert report.verdict == Verdict.PASS
    report.warn("look", Action.NONE)
    assert report.verdict == Verdict.WARN
    report.unknown("cut")
    assert report.verdict == Verdict.UNKNOWN
    report.fail("broken", Action.RESET)
    assert report.verdict == Verdict.FAIL and report.reasons == ["broken (reset the device)"]


def test_pool_expectations_are_checked_apart_from_health() -> None:
    off = judge("nvidia-smi", text("real/nvidia/h100-sxm5-80gb_8gpu_smi-table_persistence-off_drv560_nccl-tests-issue264.txt"))
    assert off.verdict == Verdict.PASS
    assert expectation_problems(off, PoolExpectation(count=8, model="H100", persistence=True)) == [
        "nvidia-smi: persistence mode is off on device(s) 0, 1, 2, 3, 4, 5, 6, 7"
    ]
    npu = judge("npu-smi", text("real/ascend/npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt"))
    assert expectation_problems(npu, PoolExpectation(count=8, model="Ascend-910B")) == [
        "npu-smi: 16 devices visible, the pool expects 8"
    ]
    a3 = judge("npu-smi", text("real/ascend/npu-smi-info_A3-Ascend910_8npu-16chip_idle_npu-smi-24.1.rc3.7.txt"))
    assert expectation_problems(a3, PoolExpectation(count=8, model="Ascend910")) == []
    amd = judge("amd-smi", text("real/amd/amd-smi_default_mi300a_4apu_amdsmi-26.2.1_rocm-7.2.0_doc-example_truncated-names.txt"))
    assert expectation_problems(amd, PoolExpectation(count=4, model="MI300A")) == []


def test_an_output_that_proves_nothing_meets_no_expectation() -> None:
    cut = judge("nvidia-smi-xml", text("real/nvidia/a100-sxm4-80gb_smi-q-x_xml_mig-enabled_drv535_1of4gpus.xml"))
    problems = expectation_problems(cut, PoolExpectation(count=1))
    assert problems and "attached_gpus" in problems[0]


def test_nvlink_expectation_reads_the_topology() -> None:
    topo = text("real/nvidia/h200-sxm_8gpu_topo-m_nvswitch-NV18_8nic-mlx5_drv570.txt")
    assert expectation_problems(judge("nvidia-topo", topo), PoolExpectation(nvlink=True)) == []
    degraded = topo.replace("GPU3\tNV18\tNV18\tNV18\t X ", "GPU3\tNV18\tSYS\tNV18\t X ", 1)
    degraded = degraded.replace("GPU1\tNV18\t X \tNV18\tNV18", "GPU1\tNV18\t X \tNV18\tSYS", 1)
    assert expectation_problems(judge("nvidia-topo", degraded), PoolExpectation(nvlink=True)) == [
        "nvidia-topo: GPU pairs without NVLink: GPU1-GPU3:SYS"
    ]


def test_model_match_strips_vendor_words() -> None:
    from regionkit.health import model_matches

    assert model_matches("Ascend-910B", "910B2C") and model_matches("NVIDIA H100", "NVIDIA H100 80GB HBM3")
    assert not model_matches("H200", "NVIDIA H100 80GB HBM3")
    assert Device("0").chips == 1
