"""L1: pinned software present at its version and held; services running; configs as rendered."""

from __future__ import annotations

from typing import Any

import pytest

LEVEL = 1


def _held(host: Any) -> set[str]:
    return set(host.check_output("apt-mark showhold").split())


@pytest.mark.role("accelerator_node")
def test_l1_pinned_runtime(host: Any, hostvars: dict[str, Any]) -> None:
    vendor = hostvars.get("regionkit_accelerator_vendor", "none")
    sw = hostvars.get("regionkit_software", {})
    if vendor == "nvidia":
        for pkg in ("nvidia-smi", "libnvidia-ml1"):
            p = host.package(pkg)
            assert p.is_installed, f"{pkg} is not installed"
            assert p.version.startswith(sw["driver"] + "-"), f"{pkg} {p.version} is not the pinned {sw['driver']}"
        assert {"nvidia-smi", "libnvidia-ml1"} <= _held(host), "the driver packages are not held"
    elif vendor == "amd":
        for pkg, version in (("rocminfo", sw["driver"]), ("rocm-smi-lib", sw["driver"]), ("rccl", sw["collectives"])):
            p = host.package(pkg)
            assert p.is_installed and p.version == version, f"{pkg} {p.version if p.is_installed else 'missing'} != {version}"
        assert {"rocminfo", "rocm-smi-lib", "rccl"} <= _held(host), "the ROCm packages are not held"
    elif vendor == "thead":
        assert sw["driver"] in host.check_output("ppu-smi --version")
    elif vendor == "huawei":
        assert f"Version={sw['driver']}" in host.file("/usr/local/Ascend/driver/version.info").content_string
        assert host.file(f"/usr/local/Ascend/ascend-toolkit/{sw['toolkit']}/version.cfg").exists
    else:
        pytest.skip(f"not verified: vendor {vendor} has no runtime")


@pytest.mark.role("node_baseline")
@pytest.mark.parametrize("service", ["ssh", "dbus"])
def test_l1_services_running(host: Any, service: str) -> None:
    s = host.service(service)
    assert s.is_running, f"{service} is not running"


@pytest.mark.role("collectives")
def test_l1_collectives_config(host: Any, hostvars: dict[str, Any]) -> None:
    library = hostvars.get("regionkit_collective_library", "gloo")
    env = host.file("/etc/profile.d/regionkit-collectives.sh")
    assert env.exists and f"REGIONKIT_COLLECTIVE_LIBRARY={library}" in env.content_string
    if library == "nccl":
        assert "NCCL_SOCKET_IFNAME=eth0" in host.file("/etc/nccl.conf").content_string
    assert host.file("/usr/local/lib/regionkit/allreduce_bench.py").mode == 0o755
