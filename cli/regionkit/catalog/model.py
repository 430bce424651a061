"""The catalog's typed model: what users declare (`*Spec`), loaded once, validated later.

Pure data and invariants; no engine imports. Field descriptions become the JSON Schema that
`regionkit schema` prints for editors.
"""

from __future__ import annotations

import datetime as dt
import re
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from regionkit.catalog.text import text_problem

REGION_KEY_RE = r"^(lab|[a-z]{2}-[a-z]{3}-[0-9]+)$"
ZONE_ID_RE = r"^(lab|[a-z]{2}-[a-z]{3}-[0-9]+)[a-z]$"
SLUG_RE = r"^[a-z][a-z0-9]{0,15}$"

RegionKey = Annotated[str, StringConstraints(pattern=REGION_KEY_RE)]
ZoneId = Annotated[str, StringConstraints(pattern=ZONE_ID_RE)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9A-Za-z.\-]*$", max_length=32)]


def _text_only(value: object) -> object:
    # pydantic would read an integer or a boolean as an address (true -> 0.0.0.1); refuse that.
    if not isinstance(value, str):
        raise ValueError("write it as text, e.g. 10.0.0.0/16 or 10.0.0.1")
    return value


# Numbers and booleans are strict model-wide (`servers: true` is not 1); addresses and dates are
# read from their text (YAML gives dates as dates; a quoted one is text).
Net = Annotated[IPv4Network, Strict(False), BeforeValidator(_text_only)]
Addr = Annotated[IPv4Address, Strict(False), BeforeValidator(_text_only)]
Date = Annotated[dt.date, Strict(False)]

Vendor = Literal["nvidia", "amd", "huawei", "thead", "none"]
Stack = Literal["cuda", "rocm", "cann", "ppu", "none"]
CollectiveLibrary = Literal["nccl", "rccl", "hccl", "vendor", "gloo"]
Confidence = Literal["verified", "estimate", "unverified"]
Backend = Literal["alicloud", "aws", "none"]
Status = Literal["live", "new", "planned"]


def _plain_text(value: object) -> None:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise PydanticCustomError("plain_text", "{problem}", {"problem": problem})
    elif isinstance(value, dict):
        for k, v in value.items():
            _plain_text(k)
            _plain_text(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _plain_text(v)


class _Spec(BaseModel):
    """Every catalog model: unknown keys refused; numbers and booleans strict (no `true` for a count,
    no "8" for a number), never inf or nan; every string plain text (catalog/text.py)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plain(cls, value: object) -> object:
        _plain_text(value)
        return value


# --- shared catalogs -------------------------------------------------------------------------


class AcceleratorSpec(_Spec):
    """One accelerator SKU (inventories/accelerators.yml)."""

    vendor: Vendor
    stack: Stack = Field(description="Runtime stack that drives it: cuda, rocm, cann, ppu.")
    memory_gb: int = Field(ge=0)
    scale_up_link: str
    power_w: int = Field(ge=0, description="Board power per accelerator, watts.")
    accelerators_per_server: int = Field(ge=0)
    server_power_kw: float = Field(gt=0, le=200, description="Whole server draw, kW.")
    tpp: float | None = Field(default=None, description="Total processing performance (3A090).")
    needs_fabric_manager: bool = Field(description="NVSwitch system: Fabric Manager required.")
    min_driver: Version | None = None
    collectives: CollectiveLibrary
    busbw_floor_gbps: float | None = Field(
        default=None, ge=0, description="all_reduce bus-bandwidth floor, 8-way, GB/s; null: golden run."
    )
    source: str
    confidence: Confidence


class DriverBranchSpec(_Spec):
    kind: Literal["LTSB", "production", "NFB"]
    eol: Date


class ToolkitSpec(_Spec):
    min_driver: Version
    collectives: list[str] = Field(description="Collective library versions (major.minor) that match.")


class StackSpec(_Spec):
    source: str
    toolkits: dict[str, ToolkitSpec]


class AcceleratorCatalog(_Spec):
    accelerators: dict[str, AcceleratorSpec]
    nvidia_driver_branches: dict[Annotated[str, StringConstraints(pattern=r"^R[0-9]{3}$")], DriverBranchSpec]
    stacks: dict[Stack, StackSpec]


class FirmwareBaselineSpec(_Spec):
    """The lowest firmware version a server model may be handed over with, for one component."""

    component: str = Field(min_length=1, max_length=64, description="What it is (BMC, BIOS, GPU VBIOS, CPLD...).")
    id_pattern: str | None = Field(default=None, description="Regex on the FirmwareInventory member's Id that picks the component.")
    name_pattern: str | None = Field(
        default=None, description="Regex on the FirmwareInventory member's Name that picks the component."
    )
    min_version: str = Field(min_length=1, max_length=64)
    version_pattern: str | None = Field(
        default=None,
        description="Regex with one group that extracts the comparable version from a vendor string (HPE 'U54 v2.90 (03/17/2024)').",
    )
    scheme: Literal["natural", "hex"] = Field(
        default="natural", description="natural: numbers and letters; hex: dot-separated hexadecimal fields (NVIDIA VBIOS)."
    )
    source: str
    confidence: Confidence

    @model_validator(mode="after")
    def _picks_something(self) -> FirmwareBaselineSpec:
        if self.id_pattern is None and self.name_pattern is None:
            raise ValueError("name id_pattern: or name_pattern: so the component can be found in the firmware inventory")
        for pattern in (self.id_pattern, self.name_pattern, self.version_pattern):
            if pattern is not None:
                try:
                    compiled = re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
                if pattern is self.version_pattern and compiled.groups != 1:
                    raise ValueError("version_pattern needs exactly one (group) around the version")
        return self


class BiosSettingSpec(_Spec):
    """A BIOS attribute (Redfish Bios.Attributes) that must hold on the model."""

    attribute: str = Field(min_length=1, max_length=128)
    value: str | int | bool
    match: Literal["exact", "prefix"] = Field(
        default="exact", description="prefix: the BIOS appends a registry suffix to the name (Supermicro X13)."
    )
    why: str = Field(min_length=3)
    source: str
    confidence: Confidence


class ServerModelSpec(_Spec):
    """One server model (inventories/servers.yml): what its BMC must report at handover."""

    manufacturer: str = Field(min_length=1, description="ComputerSystem.Manufacturer as the BMC reports it.")
    model: str = Field(min_length=1, description="ComputerSystem.Model as the BMC reports it.")
    accelerators: list[str] = Field(min_length=1, description="Accelerator SKUs (accelerators.yml) the model is built with.")
    accelerator_count: int = Field(ge=0, le=64, description="Processors of type GPU or Accelerator the BMC lists.")
    firmware: list[FirmwareBaselineSpec] = []
    bios: list[BiosSettingSpec] = []
    source: str
    confidence: Confidence


class ServerModelCatalog(_Spec):
    """inventories/servers.yml."""

    models: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9\-]{1,63}$")], ServerModelSpec] = {}


class FacilitySpec(_Spec):
    metro: str
    country: Country
    max_kw_per_rack: float = Field(gt=0)
    liquid_cooling: bool
    source: str
    confidence: Confidence


class PartnerSpec(_Spec):
    name: str
    facilities: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]{1,15}$")], FacilitySpec]


class PartnerCatalog(_Spec):
    partners: dict[Slug, PartnerSpec]


class OperatorSpec(_Spec):
    name: str
    headquarters: Country
    resource_prefix: str = Field(
        default="regionkit",
        pattern=r"^[a-z][a-z0-9\-]{1,20}$",
        description="Prefix of globally unique names (buckets).",
    )


class PowerPolicySpec(_Spec):
    headroom_pct: float = Field(ge=0, lt=100)
    air_cooling_max_kw_per_rack: float = Field(gt=0)
    source: str = ""


class ExportRuleSpec(_Spec):
    id: Slug | Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9\-]{1,63}$")]
    accelerators: list[str]
    operator_hq: list[str] = Field(description='Operator headquarters countries, or ["*"].')
    countries: list[str] = Field(description='Destination countries, or ["*"].')
    except_countries: list[Country] = []
    action: Literal["deny", "licence", "risk", "allow"]
    since: Date
    source: str
    note: str = ""


class RegimeSpec(_Spec):
    id: str
    name: str
    countries: list[Country] = Field(default=[], description="Only these countries; empty: all.")
    source: str


class JurisdictionSpec(_Spec):
    countries: list[Country]
    replication_may_leave: bool
    regimes: list[RegimeSpec]


class DriftIgnoreSpec(_Spec):
    type: str = Field(min_length=1, description="Resource type token; shell-style glob allowed (aws:ec2/*).")
    property: str = Field(min_length=1, description="Property path as the engine names it; glob allowed (tags.*).")
    reason: str = Field(min_length=8, description="Why this property is noise, not drift. Required.")
    regions: list[str] = Field(default_factory=list, description="Only these regions; empty: every region.")


class DriftSpec(_Spec):
    ignore: list[DriftIgnoreSpec] = Field(default_factory=list, description="Cloud properties drift never reports.")


class PolicySpec(_Spec):
    operator: OperatorSpec
    power: PowerPolicySpec
    export_control: list[ExportRuleSpec]
    jurisdictions: dict[str, JurisdictionSpec]
    cloud_regions: dict[Literal["alicloud", "aws"], dict[str, Country]]
    drift: DriftSpec = Field(default_factory=DriftSpec, description="What `regionkit drift` leaves out, with reasons.")


class AlicloudRegionSpec(_Spec):
    """One Alibaba Cloud region: what it offers the stacks, and what the operator holds there."""

    oss_zrs: bool = Field(description="OSS offers zone-redundant storage (ZRS) here; redundancy cannot change after creation.")
    kms_instance: str = Field(
        default="",
        pattern=r"^(kst-[a-z0-9]+)?$",
        description="The operator's KMS instance here (kst-...). Without one, Alibaba gives an account one default "
        "key per region, so every region key lives in this instance.",
    )
    oss_private_service: str = Field(
        default="",
        description="PrivateLink endpoint service of OSS here (privatelink DescribeVpcEndpointServices): how the "
        "colo reaches the mirror over the dedicated link.",
    )
    source: str
    confidence: Confidence


class CloudCatalog(_Spec):
    """Per cloud region facts the stacks need (inventories/clouds.yml), each row sourced."""

    alicloud: dict[str, AlicloudRegionSpec] = Field(default_factory=dict)


# --- one region ------------------------------------------------------------------------------


SECRETS_PROVIDER_RE = r"^(passphrase|awskms://[^\s]+|hashivault://[^\s]+)$"


class CloudSpec(_Spec):
    backend: Backend = Field(description="alicloud or aws; none for the lab.")
    region_id: str = Field(default="", description="The cloud's own region id; empty while planned.")
    zones: list[str] = Field(
        default_factory=list,
        description="Cloud zones the VPC's own subnets (DNS and mirror endpoints) span; at least two. "
        "Default: the zones' cloud_zone values. alicloud: list the transit router's master zone first.",
    )
    asn: int | None = Field(
        default=None,
        ge=1,
        le=4294967294,
        description="BGP ASN of the cloud side: the DX gateway's Amazon-side ASN (aws, default 64512) or the "
        "virtual border routers' local ASN (alicloud, default 45104).",
    )
    secrets_provider: str = Field(
        default="passphrase",
        pattern=SECRETS_PROVIDER_RE,
        description="Pulumi secrets provider of the region's stack: passphrase, awskms://KEY?region=R, or "
        "hashivault://KEY. Written as `secretsprovider:` in stacks/Pulumi.<region>.yaml.",
    )


class RegionNetworkSpec(_Spec):
    supernet: Net = Field(description="Every address of the region lies in it.")
    monitoring: Net = Field(description="Range the metrics scrapers live in.")
    interconnect: Net = Field(description="Peering range of the dedicated links; one /30 per zone, in zone order.")
    vpc: Net | None = Field(
        default=None,
        description="The cloud VPC's own range (its endpoints live there): inside the supernet, outside every colo "
        "range. Required for a cloud region.",
    )


class PackagesSpec(_Spec):
    """Where the region's nodes install their packages from: an apt caching proxy inside the region
    (Debian's apt-cacher-ng, or any proxy that serves Debian at /debian and /debian-security)."""

    proxy: Addr = Field(
        description="The proxy's address: one of the first 10 addresses of a zone's management range (kept for "
        "gateways and the region's own services) or an address of the monitoring range."
    )
    port: int = Field(default=3142, ge=1, le=65535, description="The proxy's port (apt-cacher-ng listens on 3142).")

    @property
    def url(self) -> str:
        """The apt base URL nodes install from (the address, not a DNS name: at bootstrap the nodes do not
        resolve the region's private zone yet)."""
        return f"http://{self.proxy}:{self.port}"


class ZoneNetworkSpec(_Spec):
    management: Net
    storage: Net
    fabric: Net
    bmc: Net | None = None


LinkState = Literal["planned", "ordered", "enabled"]


class LinkSpec(_Spec):
    """The zone's dedicated link to the cloud (Express Connect on alicloud, Direct Connect on aws), in two
    phases: `ordered` orders the circuit only; `enabled` (the carrier has built it and it is enabled in the
    cloud) adds the border router or virtual interface, its BGP session and the attachment to the VPC."""

    state: LinkState = Field(
        default="planned",
        description="planned: nothing is ordered; ordered: the circuit is ordered (created in the cloud); "
        "enabled: the circuit is up and the link is routed and peered.",
    )
    location: str = Field(
        default="",
        description="Cloud access point id (alicloud DescribeAccessPoints) or Direct Connect location code (aws); "
        "required from ordered on.",
    )
    kind: Literal["dedicated", "hosted"] = Field(
        default="dedicated",
        description="dedicated: a port of our own (port:); hosted: a partner's shared port (bandwidth:, connection_id:).",
    )
    port: str = Field(
        default="",
        description="Dedicated only: the cloud's port type (alicloud: 1000Base-LX, 10GBase-LR, ...) or port speed "
        "(aws: 1Gbps, 10Gbps, 100Gbps, 400Gbps).",
    )
    bandwidth: str = Field(
        default="",
        description="Hosted only: the hosted connection's bandwidth as the cloud names it (aws: 50Mbps ... 25Gbps; "
        "alicloud: 50M ... 10G).",
    )
    connection_id: str = Field(
        default="",
        description="Hosted only: the connection the partner provisioned into our account (aws dxcon-..., alicloud pc-...).",
    )
    vlan_id: int | None = Field(default=None, ge=0, le=4094, description="802.1Q VLAN of the link; required when enabled.")
    peer_asn: int | None = Field(
        default=None, ge=1, le=4294967294, description="BGP ASN of the partner's router; required when enabled."
    )


class ZoneSpec(_Spec):
    id: ZoneId = Field(description="Region key plus one letter: nl-ams-1a.")
    facility: str = Field(pattern=r"^[a-z][a-z0-9]*:[A-Z0-9\-]+$", description="partner:CODE")
    cloud_zone: str = Field(default="", description="The cloud's zone id; empty while planned.")
    contracted_kw: float = Field(gt=0, description="Power contracted with the partner, kW.")
    network: ZoneNetworkSpec
    link: LinkSpec = LinkSpec()

    @property
    def partner(self) -> str:
        return self.facility.split(":", 1)[0]

    @property
    def facility_code(self) -> str:
        return self.facility.split(":", 1)[1]


class SoftwareSpec(_Spec):
    """Pinned versions. Their meaning follows the accelerator's stack: for cuda the NVIDIA
    driver, Fabric Manager, CUDA and NCCL; rocm: amdgpu, ROCm, RCCL; cann: npu-driver, CANN,
    HCCL; ppu: PPU driver, PPU SDK, collectives."""

    driver: Version | None = None
    fabric_manager: Version | None = None
    toolkit: Version | None = None
    collectives: Version | None = None


# An identifier a partner writes on a handover sheet: letters, digits and - _ . / only, so it can
# never carry markup or a template into a report or an inventory.
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$")]
Mac = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9A-Fa-f]{2}([:\-]?[0-9A-Fa-f]{2}){5}$"),
    Field(description="MAC address, e.g. 7c:c2:55:1a:2b:3c"),
]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]{0,63}$")]


class SecretRefSpec(_Spec):
    """Where a secret comes from: an environment variable or a file. Never the secret itself."""

    env: EnvName | None = Field(default=None, description="Environment variable that holds it.")
    file: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="File that holds it (first line); relative to the catalog root, ~ allowed. Must not be readable by others.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRefSpec:
        if (self.env is None) == (self.file is None):
            raise ValueError("name exactly one of env: or file:")
        return self

    def describe(self) -> str:
        return f"${self.env}" if self.env else f"file {self.file}"


class BmcCredentialsSpec(_Spec):
    """A BMC account: its user name and where its password comes from."""

    username: Ident
    password: SecretRefSpec


class HandoverAccessSpec(_Spec):
    """How regionkit reaches the region's BMCs at handover (region-level `handover:`)."""

    source: str = Field(
        min_length=3,
        max_length=200,
        description="The manifest's source, shown on every report: the partner's handover sheet and its date.",
    )
    credentials: BmcCredentialsSpec = Field(description="Factory credentials the partner handed over.")
    rotate_to: SecretRefSpec | None = Field(
        default=None, description="The site's own password, set on the same account on acceptance with --rotate."
    )
    port: int = Field(default=443, ge=1, le=65535, description="Redfish HTTPS port of the BMCs.")
    auth: Literal["session", "basic"] = Field(default="session", description="Redfish session login or HTTP basic auth.")


class HandoverSpec(_Spec):
    """One server the partner racked (an entry of a pool's manifest)."""

    hostname: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,62}$")
    management_address: Addr
    bmc_address: Addr = Field(description="The BMC's address; inside the zone's BMC range.")
    bmc_mac: Mac = Field(description="The BMC's own MAC (Manager EthernetInterface), as on the handover sheet.")
    serial: Ident = Field(description="Chassis serial number.")
    model: Ident = Field(description="Server model: a key of inventories/servers.yml.")
    rack: Ident = Field(description="Rack as the partner names it.")
    u: int = Field(ge=1, le=60, description="Lowest rack unit the server occupies.")
    credentials: BmcCredentialsSpec | None = Field(
        default=None, description="This server's own factory credentials, where the partner set one per server."
    )


class PoolSpec(_Spec):
    name: Slug
    zone: ZoneId
    accelerator: str
    servers: int = Field(ge=1, le=10000)
    servers_per_rack: int = Field(ge=1, le=64)
    software: SoftwareSpec = SoftwareSpec()
    collective_library: CollectiveLibrary | None = Field(default=None, description="Defaults to the accelerator's library.")
    busbw_floor_gbps: float | None = Field(default=None, ge=0, description="Overrides the SKU floor.")
    licence_ref: str | None = Field(default=None, min_length=3, max_length=128)
    handover: list[HandoverSpec] = []


class ReplicationSpec(_Spec):
    bucket: Literal["artifacts", "evidence"]
    to: str = Field(description="Target cloud region id.")


class RegistrationSpec(_Spec):
    """How the region's nodes register with the cloud's node manager (SSM hybrid activation on aws; Cloud
    Assistant activation on alicloud, created at bootstrap)."""

    rotated: Date = Field(description="The day the activations were last issued; changing it re-issues them.")
    valid_days: int = Field(default=30, ge=1, le=30, description="Days an aws activation stays valid (AWS allows 30 at most).")


class ResidencySpec(_Spec):
    data_regions: list[str] = Field(description="Cloud regions that may hold buckets and keys.")
    replication: list[ReplicationSpec] = []


class SuppressionSpec(_Spec):
    validator: str = Field(pattern=r"^[a-z]+\.[a-z\-]+$")
    reason: str = Field(min_length=10, description="Why; recorded in every report.")


class RegionSpec(_Spec):
    """One region (inventories/<region>/region.yml)."""

    key: RegionKey
    name: str
    metro: str
    country: Country
    jurisdiction: str
    status: Status
    cloud: CloudSpec
    network: RegionNetworkSpec
    zones: list[ZoneSpec] = Field(min_length=1)
    pools: list[PoolSpec] = []
    residency: ResidencySpec
    handover: HandoverAccessSpec | None = Field(
        default=None, description="How the BMCs of the servers the pools list are reached at handover."
    )
    registration: RegistrationSpec | None = Field(default=None, description="Node registration; required for a cloud region.")
    packages: PackagesSpec | None = Field(
        default=None, description="The region's package source (apt caching proxy); required for a live or new region."
    )
    suppress: list[SuppressionSpec] = []

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: list[ZoneSpec]) -> list[ZoneSpec]:
        seen: set[str] = set()
        for zone in zones:
            if zone.id in seen:
                raise ValueError(f"zone id {zone.id!r} is declared twice; give each zone its own letter")
            seen.add(zone.id)
        return zones

    def zone(self, zone_id: str) -> ZoneSpec | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    def cloud_zones(self) -> list[str]:
        """The cloud zones the VPC's own subnets span: declared, or the zones' cloud zones in order."""
        if self.cloud.zones:
            return list(self.cloud.zones)
        return list(dict.fromkeys(z.cloud_zone for z in self.zones if z.cloud_zone))

    def suppressed(self, validator_id: str) -> SuppressionSpec | None:
        return next((s for s in self.suppress if s.validator == validator_id), None)


# Addresses .1 to .10 of every subnet are kept for gateways and partner equipment.
RESERVED_HOSTS = 10


def server_name(zone_id: str, pool: str, index: int) -> str:
    """Deterministic server name, `<zone>-<pool>-<nn>` (index from 1)."""
    return f"{zone_id}-{pool}-{index:02d}"


def normalized_mac(mac: str) -> str:
    """7C-C2-55-1A-2B-3C, 7cc2551a2b3c and 7c:c2:55:1a:2b:3c are one MAC: lower case, colon-separated."""
    digits = "".join(ch for ch in mac.lower() if ch in "0123456789abcdef")
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
