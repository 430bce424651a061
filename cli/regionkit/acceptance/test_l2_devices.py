"""L2: devices. Count and model, driver loaded, persistence on, no ECC or Xid errors, links up,
DCGM level 1 where DCGM is installed. Every vendor tool's output goes through the parsers in
regionkit.adapters.tools.devices (unit-tested on real captures); where no device exists the check
is skipped as "not verified: no device", never passed."""

from __future__ import annotations

from typing import Any

from regionkit.adapters.tools import devices

from .conftest import not_verified

LEVEL = 2

DEVICE = {"nvidia": "/dev/nvidia0", "huawei": "/dev/davinci0", "amd": "/dev/kfd", "thead": "/dev/ppu0"}
MODULE = {"nvidia": "nvidia", "amd": "amdgpu", "huawei": "drv_davinci_intf"}
NVIDIA_QUERY = "index,name,pci.bus_id,persistence_mode,ecc.errors.uncorrected.volatile.total,remapped_rows.pending"
TOOL = {
    "nvidia": (f"nvidia-smi --query-gpu={NVIDIA_QUERY} --format=csv", devices.parse_nvidia_smi_csv),
    "huawei": ("npu-smi info", devices.parse_npu_smi_info),
    "amd": ("amd-smi", devices.parse_amd_smi),
    "thead": ("ppu-smi -L", devices.parse_ppu_smi_list),
}


def _vendor_with_device(host: Any, hostvars: dict[str, Any]) -> str:
    vendor = str(hostvars.get("regionkit_accelerator_vendor", "none"))
    if vendor not in DEVICE:
        not_verified(f"no device: vendor {vendor} has no accelerator")
    if not host.file(DEVICE[vendor]).exists:
        not_verified(f"no device ({DEVICE[vendor]} missing)")
    return vendor


def _report(host: Any, command: str, parser: Any) -> devices.DeviceReport:
    run = host.run(command)
    report: devices.DeviceReport = parser(run.stdout + run.stderr)
    return report


def test_l2_devices_present_and_healthy(host: Any, hostvars: dict[str, Any]) -> None:
    vendor = _vendor_with_device(host, hostvars)
    command, parser = TOOL[vendor]
    if vendor == "amd" and not host.exists("amd-smi"):
        command, parser = "rocm-smi", devices.parse_rocm_smi
    problems = _report(host, command, parser).check(
        count=int(hostvars.get("regionkit_accelerators_per_server", 0)),
        model=str(hostvars.get("regionkit_accelerator", "")),
        persistence=vendor == "nvidia",
    )
    assert not problems, "; ".join(problems)


def test_l2_driver_loaded(host: Any, hostvars: dict[str, Any]) -> None:
    vendor = _vendor_with_device(host, hostvars)
    if vendor not in MODULE:
        not_verified(f"no kernel module is known for vendor {vendor}")
    modules = host.file("/proc/modules").content_string
    assert any(line.split()[0] == MODULE[vendor] for line in modules.splitlines()), f"kernel module {MODULE[vendor]} is not loaded"


def test_l2_no_xid_or_fallen_gpu(host: Any, hostvars: dict[str, Any]) -> None:
    if _vendor_with_device(host, hostvars) != "nvidia":
        not_verified("Xid events are NVIDIA's")
    log = host.run("journalctl -k -b --no-pager -g NVRM -o cat").stdout
    faults = devices.parse_kernel_log(log).faults
    assert not faults, "; ".join(faults)


def test_l2_nvlink_up(host: Any, hostvars: dict[str, Any]) -> None:
    if _vendor_with_device(host, hostvars) != "nvidia":
        not_verified("NVLink is NVIDIA's")
    if not hostvars.get("regionkit_software", {}).get("fabric_manager"):
        not_verified("no NVSwitch in this pool (no Fabric Manager pinned)")
    problems = _report(host, "nvidia-smi topo -m", devices.parse_nvidia_topo).check(nvlink=True)
    assert not problems, "; ".join(problems)


def test_l2_dcgm_level1(host: Any, hostvars: dict[str, Any]) -> None:
    if _vendor_with_device(host, hostvars) != "nvidia":
        not_verified("DCGM is NVIDIA's")
    if not host.exists("dcgmi"):
        not_verified("DCGM is not installed on this host")
    report = _report(host, "dcgmi diag -r 1", devices.parse_dcgmi_diag)
    assert report.verdict == "pass", "; ".join(report.reasons)


def test_l2_rdma_links_up(host: Any, hostvars: dict[str, Any]) -> None:
    """Every port of every RDMA device (InfiniBand or RoCE) is ACTIVE, read from sysfs."""
    states = host.run("grep -H . /sys/class/infiniband/*/ports/*/state 2>/dev/null").stdout.split("\n")
    ports = [line.split(":", 1) for line in states if line.strip()]
    if not ports:
        not_verified("no device: no RDMA device in /sys/class/infiniband")
    down = [f"{path.split('/')[4]} port {path.split('/')[6]}: {state.strip()}" for path, state in ports if "ACTIVE" not in state]
    assert not down, "RDMA links not up: " + "; ".join(down)
