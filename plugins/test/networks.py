# Copyright: regionkit contributors
# Apache-2.0 (see galaxy.yml)
"""Jinja tests on addresses and ranges, with Python's ipaddress (the host firewall's guards)."""

from __future__ import annotations

import ipaddress


def ip_network(value):
    """Is `value` an IPv4 or IPv6 network in CIDR form (host bits zero), or a single address?"""
    try:
        ipaddress.ip_network(str(value))
    except ValueError:
        return False
    return True


def ip_in_networks(address, networks):
    """Is `address` inside one of `networks`? False for anything that is not an address."""
    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    for network in networks or []:
        try:
            if ip in ipaddress.ip_network(str(network), strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


class TestModule:
    def tests(self):
        return {"ip_network": ip_network, "ip_in_networks": ip_in_networks}
