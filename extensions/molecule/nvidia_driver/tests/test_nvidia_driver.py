"""nvidia_driver on a lab host (no GPU): the pinned userspace, installed and held."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_userspace_is_installed_at_the_pin_and_held(host: Any, variable: Callable[[str], Any]) -> None:
    pin = variable("regionkit_software")["driver"]
    smi = host.package("nvidia-smi")
    assert smi.is_installed and smi.version.startswith(f"{pin}-")
    assert "nvidia-smi" in host.check_output("apt-mark showhold").split()


def test_no_kernel_module_without_a_gpu(host: Any) -> None:
    assert not host.package("nvidia-kernel-dkms").is_installed
