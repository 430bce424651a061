"""ascend_npu on a lab host (stand-in run-packages): Huawei's layout at the pool's pins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_driver_firmware_and_cann_are_installed_at_the_pins(host: Any, variable: Callable[[str], Any]) -> None:
    software = variable("regionkit_software")
    assert host.file("/usr/local/Ascend/driver/version.info").contains(f"Version={software['driver']}")
    assert host.file("/usr/local/Ascend/firmware/version.info").contains(f"Version={software['driver']}")
    assert host.file(f"/usr/local/Ascend/ascend-toolkit/{software['toolkit']}/version.cfg").exists


def test_driver_user_and_cann_environment(host: Any) -> None:
    assert host.user("HwHiAiUser").shell == "/usr/sbin/nologin"
    assert host.file("/etc/profile.d/regionkit-ascend.sh").contains("set_env.sh")
    assert host.file("/etc/hccn.conf").exists
