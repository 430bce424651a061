"""L0: reachability and OS baseline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import not_verified, role_input

LEVEL = 0
pytestmark = pytest.mark.role("node_baseline")

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
    if not role_input(hostvars, "node_baseline", "node_baseline_time_sync_enabled"):
        not_verified("time sync is off for this host (its clock is the machine's)")
    chrony = host.service("chrony")
    assert chrony.is_running and chrony.is_enabled


def test_l0_kernel_parameters(host: Any, hostvars: dict[str, Any]) -> None:
    expected = role_input(hostvars, "node_baseline", "node_baseline_sysctl")
    conf = host.file("/etc/sysctl.d/90-regionkit.conf")
    assert conf.exists, "/etc/sysctl.d/90-regionkit.conf is missing: node_baseline has not run"
    written = dict(line.split(" = ", 1) for line in conf.content_string.splitlines() if " = " in line and not line.startswith("#"))
    wrong = {k: written.get(k) for k, v in expected.items() if str(written.get(k)) != str(v)}
    assert not wrong, f"kernel parameters not as declared in the sysctl file: {wrong}"
    if role_input(hostvars, "node_baseline", "node_baseline_sysctl_apply"):
        live = {k: host.check_output(f"sysctl -n {k}").split() for k in expected}
        off = {k: " ".join(v) for k, v in live.items() if v != str(expected[k]).split()}
        assert not off, f"kernel parameters not applied: {off}"


def test_l0_memlock_raised(host: Any) -> None:
    assert "hard memlock unlimited" in host.file("/etc/security/limits.d/90-regionkit.conf").content_string


def test_l0_sshd_hardened(host: Any) -> None:
    effective = host.check_output("sshd -T 2>/dev/null")
    assert "passwordauthentication no" in effective
    assert "x11forwarding no" in effective


def _sources(hostvars: dict[str, Any], role_var: str, inventory_var: str) -> list[str]:
    """The ranges the firewall should admit: the operator's override, else what the inventory gives
    the role's default (`{{ regionkit_*_ranges }}`)."""
    value = hostvars.get(role_var, hostvars.get(inventory_var, []))
    return sorted(str(v) for v in value)


def test_l0_host_firewall_is_live(host: Any, hostvars: dict[str, Any]) -> None:
    """The loaded rule set, not the file: policy drop on input, SSH only from the management ranges."""
    if not role_input(hostvars, "node_baseline", "node_baseline_firewall_enabled"):
        not_verified("the host firewall is off for this host (node_baseline_firewall_enabled: false)")
    listed = host.run("nft -j list table inet regionkit")
    assert listed.rc == 0, f"no regionkit firewall table is loaded: {listed.stderr.strip()[:200]}"
    rules = json.loads(listed.stdout)["nftables"]
    chains = [r["chain"] for r in rules if "chain" in r and r["chain"].get("hook") == "input"]
    assert chains and all(c.get("policy") == "drop" for c in chains), f"the input chain does not drop by default: {chains}"
    loaded: list[str] = []
    for r in rules:
        if r.get("set", {}).get("name") == "ssh_v4":
            for element in r["set"].get("elem", []):
                prefix = element.get("prefix") if isinstance(element, dict) else None
                loaded.append(f"{prefix['addr']}/{prefix['len']}" if prefix else str(element))
    expected = _sources(hostvars, "node_baseline_firewall_ssh_sources", "regionkit_management_ranges")
    assert sorted(loaded) == [e for e in expected if ":" not in e], (
        f"SSH is admitted from {sorted(loaded)}, the inventory says {expected}"
    )
