"""node_baseline on a lab host, read back from the host itself; expectations from its inventory."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def test_mirror_is_the_only_package_source(host: Any, variable: Callable[[str], Any]) -> None:
    mirror = variable("regionkit_apt_mirror")
    sources = host.file("/etc/apt/sources.list.d/regionkit-mirror.sources")
    assert sources.contains(f"URIs: {mirror}/debian")
    assert host.run("ls /etc/apt/sources.list.d").stdout.split() == ["regionkit-mirror.sources"]


def test_sshd_takes_keys_only(host: Any) -> None:
    config = host.run("sshd -T").stdout
    assert "passwordauthentication no" in config and "kbdinteractiveauthentication no" in config


def test_firewall_is_loaded_and_kept_at_boot(host: Any) -> None:
    service = host.service("nftables")
    assert service.is_running and service.is_enabled


def test_firewall_drops_by_default_and_admits_ssh_from_the_management_ranges(host: Any, variable: Callable[[str], Any]) -> None:
    ruleset = json.loads(host.check_output("nft -j list table inet regionkit"))["nftables"]
    (chain,) = [x["chain"] for x in ruleset if "chain" in x and x["chain"]["name"] == "input"]
    assert chain["hook"] == "input" and chain["policy"] == "drop"
    (ssh,) = [x["set"] for x in ruleset if "set" in x and x["set"]["name"] == "ssh_v4"]
    loaded = sorted(f"{e['prefix']['addr']}/{e['prefix']['len']}" if isinstance(e, dict) else e for e in ssh["elem"])
    assert loaded == sorted(variable("node_baseline_firewall_ssh_sources"))


def test_time_sync_is_left_to_the_machine(host: Any) -> None:
    """The lab turns time sync off (lab.yml): chrony is neither installed nor running."""
    assert not host.package("chrony").is_installed
