"""The NVIDIA driver's kernel messages (NVRM), from dmesg, journalctl -k or syslog.

Messages are assembled first: the driver continues a message on lines without a timestamp
("NVRM: The NVIDIA GPU 0000:b3:00.0 / NVRM: (PCI ID: ...) installed in this system has / NVRM:
fallen off the bus ..."), and the same text may carry a dmesg, ctime or syslog prefix. Every
message is then matched against the wordings the driver has used (old and new); an NVRM message
no rule knows is a warning, never a silent pass.

Xid codes follow NVIDIA's Xid catalog: the application-class Xids (13, 31, 43, 45) are a
workload's fault and warn with "re-run"; every other Xid is a fault of the GPU, its memory or
its links. An Xid 45 that names the Xid that caused it is judged by that cause; the NVLink
Xids 144-150 say whether they were fatal, and a ``Nonfatal`` one only warns. Drivers before
the 2010s wrote ``Xid (0000:03:00): 13`` without ``PCI:``; both wordings are read.

A capture with no NVRM message passes only if it is a kernel log at all (a dmesg, journal or
syslog line, or journalctl's ``-- No entries --``), and no kernel prints a line of kilobytes.
"""

from __future__ import annotations

import re

from regionkit.health.model import Action, HealthReport
from regionkit.health.reading import ToolErrors, clean

VERSION = "1.0"

_PREFIX = re.compile(
    r"^(?:\S+\s+\d+\s+[\d:]+\s+\S+\s+kernel:\s*|\d{4}-\d\d-\d\dT\S+\s+\S+\s+kernel:\s*|kernel:\s*|\[[^\]]*\]\s*|\S+ kernel: )+"
)
# What makes a line a kernel log's: a dmesg timestamp ("[   12.345678]", "[Fri Mar  3 04:23:22 2023]",
# "[  +0.000094]"), a syslog or journal line of the kernel, journalctl -o cat's "kernel:", or
# journalctl's own markers ("-- No entries --" when a -g filter matched nothing, "-- Boot ... --").
_KERNEL_LINE = re.compile(
    r"^\[\s*[+<]?\d+[.,]\d+\]|^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:]{8} \d{4}\]|"
    r"^\S+\s+\d+\s+[\d:]+\s+\S+\s+kernel:|^\d{4}-\d\d-\d\dT\S+\s+\S+\s+kernel:|^kernel:|"
    r"^-- (?:No entries|Boot [0-9a-f]+|Logs begin at .*|Journal begins at .*) --$",
    re.M,
)
# printk's line limit is about 1 KiB (LOG_LINE_MAX); a syslog or journal prefix adds little.
_LONGEST_KERNEL_LINE = 4096
# A syslog line of another program ("May 10 22:25:05 host pulseaudio[2648]: ..."): its own
# message, never the continuation of a kernel one.
_OTHER_PROGRAM = re.compile(r"^(?:\S+\s+\d+\s+[\d:]+|\d{4}-\d\d-\d\dT\S+)\s+\S+\s+(?!kernel:)[\w./-]+(?:\[\d+\])?:\s")
# The start of a new NVRM message rather than a fragment of the last one: a function name
# ("osInitNvMapping:", "RmInitAdapter:"), GPU/Xid/API words, or any capitalised word.
_FRAGMENT = re.compile(r"NVRM:\s*(?:\(|[a-z][a-z-]*(?:\s|$))")
# "Xid (PCI:0000:3b:00): 79, pid=..." and the older "Xid (0000:03:00): 13, 0003 ..." (no PCI:)
_XID = re.compile(r"NVRM: Xid \((?:PCI:)?([0-9A-Fa-f]{4}:[0-9A-Fa-f:.]+)\):? (\d+)\b,?\s*(.*)")
# NVLink5 Xids 144-150 say whether the event was fatal: "RLW_REMAP Nonfatal XC0 i0 Link 02 (...)"
_NVLINK_XIDS = range(144, 151)
_NONFATAL = re.compile(r"\bNon-?fatal\b", re.I)
_APP_XIDS = {13, 31, 43, 45}
# Catalog resolution buckets for the Xids a datacenter fleet sees; any other Xid is drained.
_XID_ACTION = {
    48: (Action.RESET, "double-bit ECC error"),
    61: (Action.RESET, "internal micro-controller breakpoint"),
    62: (Action.RESET, "internal micro-controller halt"),
    63: (Action.RESET, "row remapping / page retirement recorded: reset to apply it"),
    64: (Action.REPLACE, "row remapping / page retirement failed"),
    74: (Action.RESET, "NVLink error"),
    79: (Action.REBOOT, "GPU has fallen off the bus"),
    92: (Action.RESET, "high single-bit ECC error rate"),
    94: (Action.RESET, "contained ECC error"),
    95: (Action.RESET, "uncontained ECC error"),
    109: (Action.RESET, "context switch timeout"),
    119: (Action.RESET, "GSP RPC timeout"),
    120: (Action.RESET, "GSP error"),
    122: (Action.RESET, "SPI PMU RPC read failure"),
    123: (Action.RESET, "SPI PMU RPC write failure"),
    140: (Action.RESET, "unrecovered ECC error"),
    143: (Action.REBOOT, "GPU initialisation failure"),
    144: (Action.RESET, "NVLink error"),
    145: (Action.RESET, "NVLink RLW error"),
    146: (Action.RESET, "NVLink TLW error"),
    147: (Action.RESET, "NVLink TREX error"),
    148: (Action.RESET, "NVLink NVLPW error"),
    149: (Action.RESET, "NVLink NETIR error"),
    150: (Action.RESET, "NVLink MSE error"),
}
# Wordings that mean the GPU or the driver is not working (old and new driver branches).
_FAULTS: ToolErrors = [
    (re.compile(r"fallen off the bus", re.I), "GPU has fallen off the bus", Action.REBOOT),
    (re.compile(r"RmInitAdapter failed|rm_init_adapter failed", re.I), "the driver failed to initialise the GPU", Action.REBOOT),
    (
        re.compile(r"Cannot initialize GSP firmware RM|_kgspBootGspRm|kgspWaitForGfwBootOk", re.I),
        "GSP firmware failed to boot",
        Action.RESET,
    ),
    (re.compile(r"probe routine was not called|probe routine failed", re.I), "the driver did not probe the GPU(s)", Action.REBOOT),
    (
        re.compile(r"No NVIDIA (?:graphics adapter|GPU|devices?) (?:found|probed)", re.I),
        "the driver found no NVIDIA GPU",
        Action.REBOOT,
    ),
    (
        re.compile(r"NVIDIA init module failed|failed to initiali[sz]e", re.I),
        "the NVIDIA kernel module failed to initialise",
        Action.REBOOT,
    ),
    (re.compile(r"\bnot (?:been |yet )?initiali[sz]ed\b", re.I), "the GPU is not initialised", Action.REBOOT),
    (re.compile(r"API mismatch", re.I), "kernel module and user-space driver versions differ", Action.REBOOT),
    (re.compile(r"Cannot attach gpu|osInitNvMapping", re.I), "the driver cannot map the GPU", Action.REBOOT),
    (re.compile(r"Failed to enable MSI-X", re.I), "the GPU's PCIe interrupts cannot be enabled", Action.REBOOT),
    (re.compile(r"GPU Reset Required|Reboot Required|Drain and Reset", re.I), "the driver asks for GPU recovery", Action.RESET),
]
# NVRM lines that are not faults by themselves (a fault line nearby is judged on its own).
_BENIGN = re.compile(
    r"loading NVIDIA UNIX|GPU at PCI:|GPU Board Serial Number|This can occur when|Try unloading|reconfigure your kernel|"
    r"driver\(s\)\)|^NVRM: again\.|nouveau, rivafb|was loaded and obtained|obtained ownership|installed in this system has|"
    r"\(PCI ID: |is already bound to vfio-pci|persistence mode|Persistence mode|GPU 0000:[0-9a-f:.]+: GPU serial number",
    re.I,
)
_GPU = re.compile(r"(?:GPU|PCI:?)\s*([0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}(?:\.\d)?)")


def _messages(text: str) -> list[str]:
    """NVRM messages with their continuation lines joined."""
    lines = [ln.rstrip() for ln in clean(text).splitlines() if ln.strip()]
    prefixed = any(_PREFIX.match(ln) for ln in lines)
    messages: list[str] = []
    for line in lines:
        body = _PREFIX.sub("", line).strip()
        # A fragment of the previous sentence ("NVRM: (PCI ID: ...) installed in this system has",
        # "NVRM: fallen off the bus ..."), whether or not the journal gave it its own prefix.
        fragment = (
            bool(_FRAGMENT.match(body)) and bool(messages) and "NVRM" in messages[-1] and not messages[-1].endswith((".", "!", "?"))
        )
        # "NVRM:     RISC-V CSR State:" and the like: an indented dump under the last message
        dump = bool(re.match(r"NVRM:\s{2,}\S", body)) and bool(messages) and "NVRM" in messages[-1]
        own = bool(_OTHER_PROGRAM.match(line))
        continuation = not own and (
            (line[:1].isspace() and body.startswith("NVRM:")) or (prefixed and not _PREFIX.match(line)) or fragment or dump
        )
        if continuation and messages:
            messages[-1] += " " + re.sub(r"^NVRM:\s*", "", body)
        else:
            messages.append(body)
    return messages


def parse_kernel_log(text: str) -> HealthReport:
    """NVRM messages: Xid events, GPUs fallen off the bus, adapters that never initialised."""
    report = HealthReport("kernel-log", "kernel log (NVRM)", VERSION, devices=None)
    if not text.strip():
        report.unknown("empty log: it cannot show the driver loaded cleanly")
        return report
    if (longest := max((len(line) for line in text.splitlines()), default=0)) > _LONGEST_KERNEL_LINE:
        report.unknown(f"a line of {longest} characters: the kernel prints none longer than about 1 KiB, so this is not a log")
    nvrm = 0
    for message in _messages(text):
        if "NVRM" not in message:
            continue
        nvrm += 1
        gpu = _GPU.search(message)
        device = gpu.group(1) if gpu else None
        if m := _XID.search(message):
            _xid(report, m.group(1), int(m.group(2)), m.group(3), message)
            continue
        if _classify(report, message, device):
            continue
        if not _BENIGN.search(message):
            report.warn("unrecognised NVRM message", Action.RERUN, message, device)
    if nvrm == 0 and _KERNEL_LINE.search(clean(text)):
        report.info("no NVRM message in the log")
    elif nvrm == 0:
        report.unknown("no kernel log line (no dmesg, journal or syslog timestamp, no NVRM): not a kernel log")
    return report


def _classify(report: HealthReport, message: str, device: str | None) -> bool:
    for pattern, what, action in _FAULTS:
        if pattern.search(message):
            report.fail(what, action, message, device)
            return True
    return False


def _xid(report: HealthReport, device: str, code: int, detail: str, message: str) -> None:
    cause = re.search(r"caused by previous Xid (\d+)", detail)
    if code == 45 and cause and int(cause.group(1)) not in _APP_XIDS:
        code = int(cause.group(1))
    if code in _APP_XIDS:
        report.warn(f"Xid {code}: application error (the workload, not the GPU)", Action.RERUN, message, device)
        return
    if code in _NVLINK_XIDS and _NONFATAL.search(detail):
        report.warn(f"Xid {code}: non-fatal NVLink event (corrected; watch the link)", Action.NONE, message, device)
        return
    if code == 154:
        action = Action.REBOOT if "reboot" in detail.lower() else Action.DRAIN if "drain" in detail.lower() else Action.RESET
        report.fail("Xid 154: the driver asks for GPU recovery", action, message, device)
        return
    action, what = _XID_ACTION.get(code, (Action.DRAIN, "Xid not in this parser's catalog: look it up before the node takes work"))
    report.fail(f"Xid {code}: {what}", action, message, device)
