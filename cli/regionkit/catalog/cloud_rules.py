"""What each cloud accepts for a dedicated link and its BGP session, as the providers define it.

Each value is read from the installed provider SDK's argument docstrings (pulumi_alicloud 4.0,
pulumi_aws 7.x), which restate the clouds' API references; the validators check the catalog
against these, and the stacks use the same defaults. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkRules:
    """One cloud's rules for a dedicated link."""

    what: str  # how the cloud names the link, for messages
    location_name: str
    dedicated_ports: tuple[str, ...]
    hosted_bandwidths: tuple[str, ...]
    connection_id_prefix: str
    vlan_range: tuple[int, int]
    default_asn: int
    asn_ranges: tuple[tuple[int, int], ...]  # what the cloud side's ASN may be
    max_pending: int | None  # circuits not yet Enabled, per account and cloud region


LINK_RULES: dict[str, LinkRules] = {
    # pulumi_alicloud expressconnect.PhysicalConnection (port_type: "Valid values"), VirtualBorderRouter
    # (vlan_id: "Valid values: 0 to 2999"), VirtualPhysicalConnection (spec: shared-line bandwidths).
    # CreatePhysicalConnection: at most 5 circuits not Enabled per account and region (API reference, CreatePhysicalConnection: https://www.alibabacloud.com/help/doc-detail/36040.html).
    # The VBR's BGP group speaks for Alibaba with ASN 45104 unless a custom private one is set.
    "alicloud": LinkRules(
        what="Express Connect circuit",
        location_name="Express Connect access point id",
        dedicated_ports=("100Base-T", "1000Base-T", "1000Base-LX", "10GBase-T", "10GBase-LR", "40GBase-LR", "100GBase-LR"),
        hosted_bandwidths=("50M", "100M", "200M", "300M", "400M", "500M", "1G", "2G", "5G", "8G", "10G"),
        connection_id_prefix="pc-",
        vlan_range=(0, 2999),
        default_asn=45104,
        asn_ranges=((45104, 45104), (64512, 65534), (4200000000, 4294967294)),
        max_pending=5,
    ),
    # pulumi_aws directconnect.Connection (bandwidth: dedicated 1/10/100/400Gbps; hosted 50Mbps-25Gbps,
    # "sub-1 Gbps speeds are hosted connections only"), Gateway (amazon_side_asn: "private range of 64,512
    # to 65,534 or 4,200,000,000 to 4,294,967,294"); 802.1Q VLANs 1-4094 on private virtual interfaces.
    "aws": LinkRules(
        what="Direct Connect connection",
        location_name="Direct Connect location code",
        dedicated_ports=("1Gbps", "10Gbps", "100Gbps", "400Gbps"),
        hosted_bandwidths=(
            "50Mbps",
            "100Mbps",
            "200Mbps",
            "300Mbps",
            "400Mbps",
            "500Mbps",
            "1Gbps",
            "2Gbps",
            "5Gbps",
            "10Gbps",
            "25Gbps",
        ),
        connection_id_prefix="dxcon-",
        vlan_range=(1, 4094),
        default_asn=64512,
        asn_ranges=((64512, 65534), (4200000000, 4294967294)),
        max_pending=None,
    ),
}

# The smallest subnet the VPC's own range is split into, per cloud zone: AWS's smallest subnet is a /28
# (Alibaba's vSwitch takes /16 to /29: vpc.Switch cidr_block docstring).
MIN_SUBNET_PREFIX = 28

# ASNs no BGP speaker may use as its own: 0 and 65535 / 4294967295 (RFC 7607, RFC 7300), AS_TRANS
# 23456 (RFC 6793).
RESERVED_ASNS = frozenset({0, 23456, 65535, 4294967295})

# The AWS provider takes ASNs above this in `bgp_asn_long` (PrivateVirtualInterface docstring).
AWS_BGP_ASN_INT_MAX = 2147483646


def asn_in(asn: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= asn <= hi for lo, hi in ranges)


def describe_ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
