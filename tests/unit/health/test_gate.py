"""From a HealthReport to a check's outcome: pass and warn pass (a warning travels as a note),
fail and unknown fail, unmet pool expectations fail, and the actions come heaviest first."""

from __future__ import annotations

from regionkit.health import Action, Device, HealthReport, PoolExpectation, Verdict, expectation_problems, judge
from regionkit.health.gate import gate, refuse

from .corpus import text


def report(kind: str = "x", devices: int | None = 2) -> HealthReport:
    return HealthReport(kind, kind, "1", devices=None if devices is None else [Device(str(i)) for i in range(devices)])


def test_a_clean_output_passes_with_nothing_to_do() -> None:
    g = gate(report())
    assert (g.passed, g.verdict, g.reasons, g.notes, g.actions, g.message) == (True, Verdict.PASS, (), (), (), "")
    assert g.properties() == [("verdict", "pass")]


def test_a_warning_passes_and_its_findings_show() -> None:
    """Real capture: a -c 0 run of all_gather_perf did not validate its results."""
    name = "real/nccl/a3mega-h100_2node-16rank_all_gather_perf_srun-l-labels_-c0-no-validation_EXCERPT_LOWPROV.txt"
    excerpt = judge("nccl-tests", text(name))
    g = gate(excerpt)
    assert g.passed and g.verdict == Verdict.WARN and g.reasons == ()
    assert g.notes and all(n.startswith("nccl-tests: ") and "validated" in n for n in g.notes)
    assert g.actions == ("re-run",) and g.message == "; ".join(g.notes)
    assert ("note", g.notes[0]) in g.properties() and ("action", "re-run") in g.properties()


def test_a_fault_fails_with_its_action() -> None:
    """Real capture: nvidia-smi after an unattended driver upgrade."""
    mismatch = judge("nvidia-smi", text("real/nvidia/smi_ERROR_NVML-driver-library-version-mismatch_drv535.txt"))
    g = gate(mismatch)
    assert not g.passed and g.verdict == Verdict.FAIL and g.actions == ("reboot",)
    assert g.reasons == ("nvidia-smi: driver/library version mismatch: the loaded kernel module is not the installed driver (reboot)",)
    assert g.message == g.reasons[0]


def test_an_output_that_proves_nothing_is_never_passed() -> None:
    """Real capture: every rank of an nccl-tests run alone, busbw 0."""
    alone = judge("nccl-tests", text("real/nccl/rtx5090_1gpu_-g1_all_reduce_perf_nranks1_busbw-0_measured-nothing.txt"))
    g = gate(alone)
    assert not g.passed and g.verdict == Verdict.UNKNOWN and g.actions == ("re-run",)
    assert g.reasons and all(r.endswith("(re-run)") for r in g.reasons)


def test_only_the_deciding_findings_give_reasons_and_actions_heaviest_first() -> None:
    r = report()
    r.warn("Xid 13: application error", Action.RERUN, device="0")
    r.unknown("cut short")
    r.fail("uncorrectable ECC", Action.RESET, device="1")
    r.fail("row remapping failed", Action.REPLACE, device="1")
    r.fail("unknown Xid", Action.DRAIN, device="0")
    g = gate(r)
    assert g.verdict == Verdict.FAIL
    assert g.actions == ("replace", "reset the device", "drain")  # the unknown's re-run does not decide a fault
    assert g.reasons == (
        "x: 1: uncorrectable ECC (reset the device)",
        "x: 1: row remapping failed (replace)",
        "x: 0: unknown Xid (drain)",
    )
    assert g.notes == ("x: 0: Xid 13: application error (re-run)",)


def test_the_worst_of_several_outputs_decides() -> None:
    names, ecc = report("amd-smi"), report("amd-smi")
    ecc.fail("3 uncorrectable ECC error(s)", Action.RESET, device="2")
    assert gate(names, ecc).verdict == Verdict.FAIL and gate(names, ecc).actions == ("reset the device",)
    cut = report("amd-smi", devices=None)
    cut.unknown("not a whole JSON document")
    assert gate(names, cut).verdict == Verdict.UNKNOWN and not gate(names, cut).passed


def test_an_unmet_expectation_fails_a_healthy_output_with_the_callers_action() -> None:
    """Real capture: 16 healthy NPUs where the pool declares 8."""
    npu = judge("npu-smi", text("real/ascend/npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt"))
    assert npu.verdict == Verdict.PASS
    g = gate(npu, problems=expectation_problems(npu, PoolExpectation(count=8)))
    assert (g.passed, g.verdict, g.actions) == (False, Verdict.FAIL, ("drain",))
    assert g.reasons == ("npu-smi: 16 devices visible, the pool expects 8",)


def test_a_failed_reports_reasons_are_said_once() -> None:
    """expectation_problems repeats a failed report's reasons: the gate does not."""
    r = report(devices=None)
    r.fail("NVML cannot initialise", Action.REBOOT)
    problems = expectation_problems(r, PoolExpectation(count=8))
    assert problems[0] == "NVML cannot initialise (reboot)"
    g = gate(r, problems=problems)
    assert g.reasons == ("x: NVML cannot initialise (reboot)", "x: no device count visible, the pool expects 8")
    assert g.actions == ("reboot", "drain")


def test_a_check_refused_before_any_output() -> None:
    g = refuse("no device: /dev/nvidia0 is missing", Action.DRAIN)
    assert (g.passed, g.verdict, g.actions, g.message) == (False, Verdict.FAIL, ("drain",), "no device: /dev/nvidia0 is missing")
    assert refuse("gone", Action.NONE).actions == ()
