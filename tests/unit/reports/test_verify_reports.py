"""verify's Markdown and HTML reports: the headline, each check's verdict and action, the
recommended actions, and the pools whose devices were not checked."""

from __future__ import annotations

from regionkit.planning.acceptance import VerifyReport
from regionkit.planning.results import CheckResult
from regionkit.reports.html import verify_html
from regionkit.reports.markdown import check_result, verify_markdown

CHECKS = [
    CheckResult("laba-nv-01", 2, "l2_devices_present_and_healthy", "failed", "nvidia-smi-csv: 1: uncorrectable ECC (reset the device)",
                verdict="fail", actions=("reset the device",)),
    CheckResult("laba-nv-01", 2, "l2_dcgm_level1", "failed", "dcgmi-diag: no test result in the JSON (re-run)", verdict="unknown",
                actions=("re-run",)),
    CheckResult("laba-nv-01", 2, "l2_no_xid_or_fallen_gpu", "passed", "kernel-log: Xid 13 <app> (re-run)", verdict="warn",
                actions=("re-run",), notes=("kernel-log: Xid 13 <app> (re-run)",)),
    CheckResult("labb-amd-01", 2, "l2_devices_present_and_healthy", "not verified", "no devices by design (/dev/kfd is missing)",
                by_design=True),
    CheckResult("labb-amd-01", 0, "l0_sshd_hardened", "passed"),
]  # fmt: skip


def report(checks: list[CheckResult]) -> VerifyReport:
    return VerifyReport("lab", 2, "2026-11-23 00:00 UTC", "0", checks, {"laba-nv-01": "laba_nv", "labb-amd-01": "labb_amd"})


def test_the_result_cell_shows_the_verdict_where_it_says_more() -> None:
    cells = [check_result({"outcome": c.outcome, "verdict": c.verdict}) for c in CHECKS]
    assert cells == ["failed", "failed (unknown)", "passed (warn)", "not verified", "passed"]


def test_markdown_lines_carry_verdict_action_and_the_devices_not_checked() -> None:
    md = verify_markdown(report(CHECKS))
    assert "**Result: FAILED (devices not checked: no devices by design)**" in md
    assert "**Devices not checked** in labb_amd" in md
    assert "| labb_amd | labb-amd-01 | 1 | 0 | 1 | not checked: no devices by design |" in md
    assert "| laba_nv | laba-nv-01 | 1 | 2 | 0 | checked |" in md
    assert "| laba-nv-01 | l2_devices_present_and_healthy | fail | reset the device | nvidia-smi-csv: 1: uncorrectable ECC" in md
    assert "| L2 | l2_dcgm_level1 | failed (unknown) | re-run | dcgmi-diag: no test result in the JSON (re-run) |" in md
    assert "| L2 | l2_no_xid_or_fallen_gpu | passed (warn) | re-run | kernel-log: Xid 13 <app> (re-run) |" in md
    assert "| L0 | l0_sshd_hardened | passed | - |  |" in md


def test_a_clean_run_has_no_action_section_and_a_bare_passed() -> None:
    md = verify_markdown(report([CHECKS[-1]]))
    assert "**Result: PASSED**" in md and "Recommended actions" not in md and "Devices not checked" not in md


def test_html_says_the_same_escaped() -> None:
    page = verify_html(report(CHECKS))
    assert "<b>Result: FAILED (devices not checked: no devices by design)</b>" in page
    assert "<b>Devices not checked</b> in labb_amd" in page
    assert '<td class="warn">passed (warn)</td><td>re-run</td><td>kernel-log: Xid 13 &lt;app&gt; (re-run)</td>' in page
    assert '<td class="failed">failed (unknown)</td><td>re-run</td>' in page
    assert "<app>" not in page
