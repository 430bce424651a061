"""Acceptance: floors, the collective's verdict on its peak bus bandwidth, and the verify report's headline
and actions."""

from __future__ import annotations

import pytest

from regionkit.planning.acceptance import LINK_EFFICIENCY_FLOOR, CollectiveAcceptance, VerifyReport, floor_for
from regionkit.planning.results import CheckResult


def test_catalog_floor_wins_over_the_link() -> None:
    assert floor_for(460.0, 1.9) == (460.0, "catalog floor for the pool")


def test_floor_from_the_measured_link() -> None:
    floor, source = floor_for(None, 2.0)
    assert floor == pytest.approx(2.0 * LINK_EFFICIENCY_FLOOR) and "measured link" in source


def test_no_floor_and_no_link_is_an_error() -> None:
    with pytest.raises(ValueError, match="no floor"):
        floor_for(None, None)


def test_acceptance_passes_on_peak_busbw() -> None:
    acc = CollectiveAcceptance([1 << 20, 1 << 26], [0.4, 0.9], 2.0, 0.5, "x")
    assert acc.passed and acc.peak_gbps == 0.9 and acc.link_ratio == pytest.approx(0.45)
    assert not CollectiveAcceptance([1 << 20], [0.4], 2.0, 0.5, "x").passed


def verify_report(*checks: CheckResult) -> VerifyReport:
    pool_of = {"laba-nv-01": "laba_nv", "laba-asc-01": "laba_asc"}
    return VerifyReport("lab", 2, "2026-11-23 00:00 UTC", "0", list(checks), pool_of)


def test_a_bare_passed_never_hides_devices_not_checked() -> None:
    """A pool whose hosts have no devices by design passes, and the headline says its devices were not checked."""
    checks = [
        CheckResult("laba-nv-01", 0, "l0_sshd_hardened", "passed"),
        CheckResult("laba-nv-01", 2, "l2_devices_present_and_healthy", "not verified",
                    "no devices by design (/dev/nvidia0 is missing)", by_design=True),
        CheckResult("laba-asc-01", 2, "l2_devices_present_and_healthy", "passed", verdict="pass"),
    ]  # fmt: skip
    report = verify_report(*checks)
    assert report.exit_code == 0 and report.verdict == "PASSED (devices not checked: no devices by design)"
    assert report.devices_not_checked == ["laba_nv"]
    assert {p.name: p.devices for p in report.pools()} == {"laba_asc": "checked", "laba_nv": "not checked: no devices by design"}
    assert verify_report(checks[0], checks[2]).verdict == "PASSED"
    failed = CheckResult("laba-asc-01", 1, "l1_pinned_runtime", "failed", "rccl missing")
    assert verify_report(*checks, failed).verdict == "FAILED (devices not checked: no devices by design)"


def test_the_report_lists_what_to_do_per_check() -> None:
    checks = [
        CheckResult("laba-nv-01", 2, "l2_devices_present_and_healthy", "failed", "nvidia-smi-csv: 1: GPU is lost (reboot)",
                    verdict="fail", actions=("reboot", "drain")),
        CheckResult("laba-nv-01", 2, "l2_no_xid_or_fallen_gpu", "passed", "kernel-log: Xid 13 (re-run)", verdict="warn",
                    actions=("re-run",), notes=("kernel-log: Xid 13 (re-run)",)),
        CheckResult("laba-asc-01", 1, "l1_pinned_runtime", "failed", "CANN missing", role="accelerator_node"),
        CheckResult("laba-asc-01", 2, "l2_devices_present_and_healthy", "passed", verdict="pass"),
    ]  # fmt: skip
    doc = verify_report(*checks).to_dict()
    assert [(a["host"], a["check"], a["verdict"], a["actions"]) for a in doc["actions"]] == [
        ("laba-nv-01", "l2_devices_present_and_healthy", "fail", ["reboot", "drain"]),
        ("laba-nv-01", "l2_no_xid_or_fallen_gpu", "warn", ["re-run"]),
    ]
    check = doc["hosts"][1]["checks"][0]
    assert (check["verdict"], list(check["actions"]), check["by_design"]) == ("fail", ["reboot", "drain"], False)
