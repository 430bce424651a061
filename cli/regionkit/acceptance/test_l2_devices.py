"""L2: devices. Count and model, health (ECC, remapped rows, NPU health, tool errors), driver
loaded, persistence on, no Xid or GPU off the bus, NVLink, DCGM level 1 where DCGM is installed.

Every vendor tool's output is judged by regionkit.health (one verdict model, tested on real
captures), in the tool's structured mode where it has one (amd-smi and rocm-smi `--json`,
`dcgmi diag -j`); `pass` and `warn` pass, `fail` and `unknown` fail, and each check records
its verdict and the recommended actions for the report.

Fail closed: on a host whose pool declares accelerators, a missing device node, driver or tool
fails the check, unless the host's inventory says it has no devices by design
(`regionkit_no_devices_by_design`, which the lab sets for its hosts and stand-ins): then the
check is not verified, and the report says the pool's devices were not checked.
"""

from __future__ import annotations

from typing import Any

import pytest

from regionkit.health import Action, HealthReport, PoolExpectation, expectation_problems, judge
from regionkit.health.gate import gate

from .conftest import decide, not_verified, not_verified_by_design, refused, role_input

LEVEL = 2

DEVICE = {"nvidia": "/dev/nvidia0", "huawei": "/dev/davinci0", "amd": "/dev/kfd", "thead": "/dev/ppu0"}
MODULE = {"nvidia": "nvidia", "amd": "amdgpu", "huawei": "drv_davinci_intf"}
NVIDIA_QUERY = "index,name,pci.bus_id,persistence_mode,ecc.errors.uncorrected.volatile.total,remapped_rows.pending"
# Per vendor: the tool, and the outputs (kind, command) that show the devices and their health.
# amd-smi has no one command with names and ECC counts: `static` names the devices, `metric
# --ecc` counts the errors (both --json, ROCm 6+); rocm-smi (--json) stands in before amd-smi.
TOOLS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "nvidia": ("nvidia-smi", [("nvidia-smi-csv", f"nvidia-smi --query-gpu={NVIDIA_QUERY} --format=csv")]),
    "huawei": ("npu-smi", [("npu-smi", "npu-smi info")]),
    "amd": ("amd-smi", [("amd-smi", "amd-smi static --asic --bus --json"), ("amd-smi", "amd-smi metric --ecc --json")]),
    "thead": ("ppu-smi", [("ppu-smi", "ppu-smi -L")]),
}
ROCM_SMI = ("rocm-smi", [("rocm-smi", "rocm-smi --showproductname --showbus --json")])
KERNEL_LOG = "{ journalctl -k -b --no-pager -o cat -g NVRM || dmesg | grep NVRM; } 2>/dev/null"


def capture(host: Any, command: str) -> str:
    """A tool's output as its parser reads it: a structured document alone (a warning on stderr
    would make it invalid JSON), else stdout and stderr together (tool errors go to either)."""
    run = host.run(command)
    out = str(run.stdout)
    return out if out.lstrip()[:1] in ("{", "[") else out + str(run.stderr)


_SEEN: dict[tuple[str, str], HealthReport] = {}


def judged(host: Any, kind: str, command: str) -> HealthReport:
    """The verdict on one output, captured once per host and command for the whole run."""
    key = (host.backend.get_hostname(), command)
    if key not in _SEEN:
        _SEEN[key] = judge(kind, capture(host, command))
    return _SEEN[key]


def accelerators(hostvars: dict[str, Any]) -> tuple[str, int]:
    """The pool's vendor and devices per server; not verified where it declares none."""
    vendor = str(hostvars.get("regionkit_accelerator_vendor", "none"))
    count = int(hostvars.get("regionkit_accelerators_per_server") or 0)
    if count == 0:
        not_verified(f"the pool declares no accelerator (vendor {vendor})")
    return vendor, count


def devices_present(host: Any, hostvars: dict[str, Any], record_property: Any) -> str:
    """The pool's vendor, once its device node is there. A missing node fails the check, or is
    not verified on a host with no devices by design."""
    vendor, count = accelerators(hostvars)
    if vendor not in DEVICE:
        refused(record_property, f"regionkit has no device check for vendor {vendor!r}", Action.DRAIN)
    if not host.file(DEVICE[vendor]).exists:
        why = f"{DEVICE[vendor]} is missing"
        not_verified_by_design(hostvars, record_property, why)
        refused(record_property, f"no device: {why}; the pool declares {count} per server", Action.DRAIN)
    return vendor


def tool_present(host: Any, tool: str, record_property: Any) -> None:
    if not host.exists(tool):
        refused(record_property, f"{tool} is not installed: the devices cannot be read", Action.DRAIN)


def device_reports(host: Any, vendor: str, record_property: Any) -> list[HealthReport]:
    tool, outputs = TOOLS[vendor]
    if vendor == "amd" and not host.exists(tool) and host.exists(ROCM_SMI[0]):
        tool, outputs = ROCM_SMI
    tool_present(host, tool, record_property)
    return [judged(host, kind, command) for kind, command in outputs]


def test_l2_devices_present_and_healthy(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    vendor = devices_present(host, hostvars, record_property)
    reports = device_reports(host, vendor, record_property)
    expected = PoolExpectation(
        count=int(hostvars["regionkit_accelerators_per_server"]), model=str(hostvars.get("regionkit_accelerator") or "")
    )
    # The device list comes from the first output; the others add health (amd-smi's ECC counts).
    problems = expectation_problems(reports[0], expected)
    decide(record_property, gate(*reports, problems=problems))


@pytest.mark.role("nvidia_driver")
def test_l2_persistence_mode(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    """Persistence mode is the driver role's setting: a node without it is reconciled by bootstrap."""
    if str(hostvars.get("regionkit_accelerator_vendor")) != "nvidia":
        not_verified("persistence mode is NVIDIA's")
    if not role_input(hostvars, "nvidia_driver", "nvidia_driver_persistence"):
        not_verified("persistence mode is off for this pool (nvidia_driver_persistence)")
    devices_present(host, hostvars, record_property)
    report = device_reports(host, "nvidia", record_property)[0]
    # Off is the role's setting, not the device's fault: no device action, drift reconciles with bootstrap.
    problems = expectation_problems(report, PoolExpectation(persistence=True))
    decide(record_property, gate(report, problems=problems, problem_action=Action.NONE))


def test_l2_driver_loaded(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    vendor = devices_present(host, hostvars, record_property)
    if vendor not in MODULE:
        not_verified(f"no kernel module is known for vendor {vendor}")
    read = host.run("cat -- /proc/modules")  # a kernel that lists no module has loaded none
    modules = read.stdout if read.rc == 0 else ""
    if not any(line.split()[0] == MODULE[vendor] for line in modules.splitlines() if line.strip()):
        unread = "" if read.rc == 0 else " (/proc/modules cannot be read)"
        refused(record_property, f"kernel module {MODULE[vendor]} is not loaded{unread}", Action.REBOOT)


def test_l2_no_xid_or_fallen_gpu(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    """The kernel log is read even when the device node is missing: it often says why."""
    vendor, _ = accelerators(hostvars)
    if vendor != "nvidia":
        not_verified("Xid events are NVIDIA's")
    if not host.file(DEVICE[vendor]).exists:
        not_verified_by_design(hostvars, record_property, f"{DEVICE[vendor]} is missing")
    decide(record_property, gate(judged(host, "kernel-log", KERNEL_LOG)))


def test_l2_nvlink_up(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    if str(hostvars.get("regionkit_accelerator_vendor")) != "nvidia":
        not_verified("NVLink is NVIDIA's")
    if not hostvars.get("regionkit_software", {}).get("fabric_manager"):
        not_verified("no NVSwitch in this pool (no Fabric Manager pinned)")
    devices_present(host, hostvars, record_property)
    tool_present(host, "nvidia-smi", record_property)
    report = judged(host, "nvidia-topo", "nvidia-smi topo -m")
    decide(record_property, gate(report, problems=expectation_problems(report, PoolExpectation(nvlink=True))))


def test_l2_dcgm_level1(host: Any, hostvars: dict[str, Any], record_property: Any) -> None:
    if str(hostvars.get("regionkit_accelerator_vendor")) != "nvidia":
        not_verified("DCGM is NVIDIA's")
    devices_present(host, hostvars, record_property)
    if not host.exists("dcgmi"):
        not_verified("DCGM is not installed on this host")
    decide(record_property, gate(judged(host, "dcgmi-diag", "dcgmi diag -r 1 -j")))


def test_l2_rdma_links_up(host: Any, hostvars: dict[str, Any]) -> None:
    """Every port of every RDMA device (InfiniBand or RoCE) is ACTIVE, read from sysfs."""
    states = host.run("grep -H . /sys/class/infiniband/*/ports/*/state 2>/dev/null").stdout.split("\n")
    ports = [line.split(":", 1) for line in states if line.strip()]
    if not ports:
        not_verified("no device: no RDMA device in /sys/class/infiniband")
    down = [f"{path.split('/')[4]} port {path.split('/')[6]}: {state.strip()}" for path, state in ports if "ACTIVE" not in state]
    assert not down, "RDMA links not up: " + "; ".join(down)
