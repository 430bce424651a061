"""thead_ppu on a lab host (stand-in installer): the SDK at the pool's pin, ppu-smi on the PATH."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_ppu_smi_reports_the_pinned_version(host: Any, variable: Callable[[str], Any]) -> None:
    pin = variable("regionkit_software")["driver"]
    assert pin in host.check_output("ppu-smi --version")
    assert host.file("/usr/local/bin/ppu-smi").linked_to == f"/opt/t-head/ppu/{pin}/bin/ppu-smi"
