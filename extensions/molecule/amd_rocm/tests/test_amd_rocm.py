"""amd_rocm on a lab host (stand-in packages): ROCm and RCCL at the pool's pins, held."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_packages_are_installed_at_the_pins_and_held(host: Any, variable: Callable[[str], Any]) -> None:
    software = variable("regionkit_software")
    pins = {"rocminfo": software["driver"], "rocm-smi-lib": software["driver"], "rccl": software["collectives"]}
    held = host.check_output("apt-mark showhold").split()
    for name, version in pins.items():
        package = host.package(name)
        assert package.is_installed and package.version == version, name
        assert name in held
