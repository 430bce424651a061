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
    # added for the parsers hunt: Xid 8/13/16 in the pre-"PCI:" wording, 48/64/79/119/120/154, dumps
    N + "dmesg-T_NVRM_Xid119-GSP-RPC-timeout_call-traces_hung-task_a30_drv525_ogkm-issue446_EXCERPT.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "dmesg-H_NVRM_Xid119-GSP-RPC-timeout_relative-timestamps_elided_a40_drv525_ogkm-issue446_EXCERPT.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "dmesg-T_NVRM_Xid13-Xid31-Xid119-new-wording_Xid154-recovery-GPU-Reset-Required_h100_LOWPROV.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "kernel-log_NVRM_Xid79-then-GPU-fallen-off-the-bus_krcRc_Xid154-PF-FLR_rtx5080_drv610_ogkm-issue1151.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "syslog_NVRM_Xid48-DBE_Xid64-blacklisting-failed_RmInitAdapter_gpu-operator-issue1146_EXCERPT.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "dmesg_NVRM_Xid120-GSP-task-exception_RISC-V-register-dump-continuations_drv575_ogkm-issue829_EXCERPT.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "syslog_NVRM_osInitNvMapping-Cannot-attach-gpu_RmInitAdapter-failed-0x22-0x56_fedora_ogkm-issue1151.txt": Case(
        "kernel-log", "fail", None
    ),
    N + "syslog_NVRM_Xid16-display-engine-hung_old-format_continuation-line_drv310_LOWPROV.txt": Case("kernel-log", "fail", None),
    N + "kernel-log_NVRM_Xid8-old-format_os_schedule-atomic-context_2012_LOWPROV.txt": Case("kernel-log", "fail", None),
    # Xid 13 in the old wording is still the application's
    N + "syslog_NVRM_Xid13-old-format-no-PCI-prefix_geforce-8500gt_pulseaudio-lines_2012_LOWPROV.txt": Case(
        "kernel-log", "warn", None
    ),
    # the driver loading, nothing else from NVRM
    N + "dmesg_NVRM_loading-kernel-module-580.142_nvidia_uvm-taint_ACPI-BIOS-errors_benign_EXCERPT_LOWPROV.txt": Case(
        "kernel-log", "pass", None
    ),
    N + "dmesg_NVRM_loading-kernel-module-304.117_wrapped-lines_module-verification-failed_benign_LOWPROV.txt": Case(
        "kernel-log", "pass", None
    ),
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
        # the wording before "PCI:" (drivers up to the 2010s), and Xids the fleet sees
        ("NVRM: Xid (0000:af:00): 48, pid='<unknown>', name=<unknown>, Ch 00000008", "fail", "reset the device"),
        ("[155044.078590] NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.", "fail", "reboot"),
        (
            "kernel: NVRM: Xid (PCI:0000:c1:00): 74, pid='<unknown>', name=<unknown>, NVLink: fatal error detected on link 1",
            "fail",
            "reset the device",
        ),
        # NVLink5 Xids say whether they were fatal
        ("NVRM: Xid (PCI:0018:01:00): 145, RLW_RXPIPE Nonfatal XC0 i0 Link 13 (0x0409a0c2 0x00000008 0x00000001)", "warn", "none"),
        ("NVRM: Xid (PCI:0019:01:00): 149, NETIR Fatal XC0 i0 Link -1 (0x000fe406 0x00000000 0x00000000)", "fail", "reset the device"),
        ("NVRM: Xid (PCI:0000:01:00): 154, GPU recovery action changed from 0x0 (None) to 0x1 (PF FLR)", "fail", "reset the device"),
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


def test_another_programs_syslog_line_is_not_part_of_an_nvrm_message() -> None:
    log = (
        "May 10 22:25:01 host kernel: [1.0] NVRM: GPU 0000:01:00.0: RmInitAdapter failed! (0x26:0xffff:1227)\n"
        "May 10 22:25:05 host pulseaudio[2648]: failed to initialize the card\n"
    )
    fail = next(f for f in parse_kernel_log(log).findings if f.severity == "fail")
    assert "pulseaudio" not in fail.seen


def test_an_indented_register_dump_belongs_to_the_xid_above_it() -> None:
    report = parse_kernel_log(
        text(N + "dmesg_NVRM_Xid120-GSP-task-exception_RISC-V-register-dump-continuations_drv575_ogkm-issue829_EXCERPT.txt")
    )
    assert [f.severity for f in report.findings] == ["fail"]


@pytest.mark.parametrize(("log", "verdict"), [("-- No entries --\n", "pass"), ("no kernel here\nat all\n", "unknown")])
def test_a_capture_with_no_nvrm_line_passes_only_if_it_is_a_kernel_log(log: str, verdict: str) -> None:
    assert parse_kernel_log(log).verdict == verdict
