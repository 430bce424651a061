"""NVRM kernel messages on real dmesg, journalctl and syslog captures, in the older and
newer driver wordings."""

from __future__ import annotations

import pytest

from regionkit.health import Verdict
from regionkit.health.kernel import parse_kernel_log

from .corpus import Case, check, text

N = "real/nvidia/"
CASES: dict[str, Case] = {
    N + "dmesg_NVRM_fallen-off-the-bus_no-xid_drv570.txt": Case("kernel-log", "fail", None),
    N + "syslog_NVRM_Xid63_row-remapper_a100.txt": Case("kernel-log", "fail", None),
    N + "dmesg_NVRM_probe-routine-not-called-3-devices_nouveau-conflict_drv384.txt": Case("kernel-log", "fail", None),
    N + "dmesg_NVRM_no-adapter-found_init-module-failed_steamos.txt": Case("kernel-log", "fail", None),
    N + "syslog_NVRM_RmInitAdapter-failed-0x24-0x72_rm_init_adapter-minor5_EXCERPT.txt": Case("kernel-log", "fail", None),
    N + "dmesg_NVRM_RmInitAdapter-failed-0x11-0x45_vGPU-ocp_mixed-kernel-lines_EXCERPT.txt": Case("kernel-log", "fail", None),
    N + "dmesg_NVRM_GSP-boot-WPR2-already-up_RmInitAdapter-failed-0x62_GPU6_EXCERPT.txt": Case("kernel-log", "fail", None),
    # Xid 13 is the application's; Xid 109 (context switch timeout) implicates the GPU
    N + "dmesg-ctime_NVRM_Xid13-graphics-exception_Xid109-ctx-switch-timeout_gpud.txt": Case("kernel-log", "fail", None),
    # Xid 45 is clean-up, but these name the NVLink Xids 149/145 that caused them
    N + "syslog_NVRM_Xid45-caused-by-previous-Xid149-Xid145_nvlink_4gpu_EXCERPT.txt": Case("kernel-log", "fail", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_log_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


def test_fallen_off_the_bus_names_the_gpu_across_continuation_lines() -> None:
    report = parse_kernel_log(text(N + "dmesg_NVRM_fallen-off-the-bus_no-xid_drv570.txt"))
    fallen = next(f for f in report.findings if "fallen off the bus" in f.what)
    assert (fallen.device, fallen.action) == ("0000:b3:00.0", "reboot")


@pytest.mark.parametrize(
    ("line", "verdict", "action"),
    [
        ("NVRM: Xid (PCI:0000:3b:00): 79, pid=0, GPU has fallen off the bus.", "fail", "reboot"),
        ("[ 12.3] NVRM: Xid (PCI:0000:44:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.", "fail", "reboot"),
        ("NVRM: Xid (PCI:0000:18:00): 48, pid=12345, DBE (0x1) has been detected on GPU in Framebuffer", "fail", "reset the device"),
        ("NVRM: Xid (PCI:0000:9b:00): 94, pid=1234, name=python3, Contained ECC error", "fail", "reset the device"),
        ("NVRM: Xid (PCI:0000:9b:00): 64, pid=1, Row Remapper Error", "fail", "replace"),
        ("NVRM: Xid (PCI:0000:9b:00): 31, pid=1, name=python, Ch 00000008, MMU Fault", "warn", "re-run"),
        ("NVRM: Xid (PCI:0000:9b:00): 45, pid=1, name=python3, Ch 00000001", "warn", "re-run"),
        ("NVRM: Xid (PCI:0000:9b:00): 201, pid=1, something new", "fail", "drain"),
        ("NVRM: GPU 0000:01:00.0: GPU has fallen off the bus.", "fail", "reboot"),
        ("NVRM: GPU 0000:3b:00.0: RmInitAdapter failed! (0x26:0xffff:1227)", "fail", "reboot"),
        ("NVRM: API mismatch: the client has the version 535.161, but this kernel module has the version 535.129", "fail", "reboot"),
        ("NVRM: GPU 0000:3b:00.0 has not been initialized", "fail", "reboot"),
        ("NVRM: nvAssertFailed: something we have never seen", "warn", "re-run"),
        ("[ 1843.439669] NVRM: loading NVIDIA UNIX Open Kernel Module for x86_64  570.158.01  Release Build", "pass", None),
    ],
)
def test_nvrm_wordings(line: str, verdict: str, action: str | None) -> None:
    report = parse_kernel_log(line + "\n")
    assert report.verdict == verdict
    if action:
        assert report.findings[0].action == action


def test_empty_log_proves_nothing() -> None:
    assert parse_kernel_log("").verdict == Verdict.UNKNOWN


def test_log_without_nvrm_passes_and_says_so() -> None:
    report = parse_kernel_log("[    0.000000] Linux version 6.8.0\n")
    assert report.verdict == Verdict.PASS and "no NVRM message" in report.findings[0].what


def test_iso_journal_prefix_joins_the_multi_line_fallen_off_message() -> None:
    log = (
        "2025-10-25T10:00:01+0000 gpu-7 kernel: NVRM: The NVIDIA GPU 0000:b3:00.0\n"
        "2025-10-25T10:00:01+0000 gpu-7 kernel: NVRM: (PCI ID: 10de:26b5) installed in this system has\n"
        "2025-10-25T10:00:01+0000 gpu-7 kernel: NVRM: fallen off the bus and is not responding to commands.\n"
    )
    report = parse_kernel_log(log)
    assert report.verdict == Verdict.FAIL
    assert [f.severity for f in report.findings] == ["fail"]
