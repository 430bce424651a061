"""L0: reachability and OS baseline."""

from __future__ import annotations

from typing import Any

from .conftest import not_verified

MIRROR_SOURCES = "/etc/apt/sources.list.d/regionkit-mirror.sources"


def test_l0_host_answers_as_itself(host: Any, hostvars: dict[str, Any]) -> None:
    assert host.check_output("hostname") == hostvars["inventory_hostname"]


def test_l0_mirror_is_the_only_package_source(host: Any, hostvars: dict[str, Any]) -> None:
    sources = host.file(MIRROR_SOURCES)
    assert sources.exists, f"{MIRROR_SOURCES} is missing: node_baseline has not run"
    assert f"URIs: {hostvars['regionkit_apt_mirror']}/debian" in sources.content_string
    others = host.check_output("ls /etc/apt/sources.list.d").split()
    assert others == ["regionkit-mirror.sources"], f"other apt sources: {others}"
    assert not host.file("/etc/apt/sources.list").exists, "/etc/apt/sources.list is back"


def test_l0_time_sync(host: Any, hostvars: dict[str, Any]) -> None:
    if not hostvars.get("node_baseline_time_sync_enabled", True):
        not_verified("time sync is off for this host (its clock is the machine's)")
    chrony = host.service("chrony")
    assert chrony.is_running and chrony.is_enabled


def test_l0_kernel_parameters(host: Any, hostvars: dict[str, Any]) -> None:
    conf = host.file("/etc/sysctl.d/90-regionkit.conf")
    assert conf.exists
    assert "net.core.rmem_max = 268435456" in conf.content_string
    if hostvars.get("node_baseline_sysctl_apply", True):
        assert host.check_output("sysctl -n net.core.rmem_max") == "268435456"


def test_l0_memlock_raised(host: Any) -> None:
    assert "hard memlock unlimited" in host.file("/etc/security/limits.d/90-regionkit.conf").content_string


def test_l0_sshd_hardened(host: Any) -> None:
    effective = host.check_output("sshd -T 2>/dev/null")
    assert "passwordauthentication no" in effective
    assert "x11forwarding no" in effective
