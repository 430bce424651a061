"""L2: devices. Where no device exists the check is skipped as "not verified: no device"."""

from __future__ import annotations

from typing import Any

from .conftest import not_verified

DEVICE = {"nvidia": "/dev/nvidia0", "huawei": "/dev/davinci0", "amd": "/dev/kfd", "thead": "/dev/ppu0"}
TOOL = {
    "nvidia": "nvidia-smi --query-gpu=name,persistence_mode,ecc.errors.uncorrected.volatile.total --format=csv,noheader",
    "huawei": "npu-smi info",
    "amd": "rocm-smi --showproductname",
    "thead": "ppu-smi",
}


def test_l2_devices_present_and_healthy(host: Any, hostvars: dict[str, Any]) -> None:
    vendor = hostvars.get("regionkit_accelerator_vendor", "none")
    if vendor not in DEVICE:
        not_verified(f"vendor {vendor} has no device")
    if not host.file(DEVICE[vendor]).exists:
        not_verified(f"no device ({DEVICE[vendor]} missing)")
    expected = int(hostvars.get("regionkit_accelerators_per_server", 0))
    out = host.check_output(TOOL[vendor])
    if vendor == "nvidia":
        rows = [r.split(", ") for r in out.splitlines() if r.strip()]
        assert len(rows) == expected, f"{len(rows)} GPUs visible, the pool expects {expected}"
        assert all(r[1] == "Enabled" for r in rows), "persistence mode is off"
        assert all(r[2] in ("0", "[N/A]") for r in rows), "uncorrected ECC errors"
    else:
        assert out.strip(), f"{TOOL[vendor]} printed nothing"
