"""Stack outputs: the one contract that says where a region's hosts are and what they need.

Produced by the Pulumi program (`stacks/components/region.py`) for a cloud region and by the
lab adapter for lab hosts and stand-ins, read by the inventory planner. Every place hosts come
from hands over this type; nothing downstream asks which place it was. Pure.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from regionkit.planning.servers import PoolPlan

SCHEMA_VERSION = 1


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HostOutput(_Output):
    """One server: its name and its addresses on the zone's ranges."""

    name: str
    address: str = Field(description="Management address: where Ansible and the checks reach it.")
    storage_address: str | None = None
    fabric_address: str | None = None
    bmc_address: str | None = None
    serial: str | None = None


class PoolOutput(_Output):
    """One pool: what its servers are, what they run, and the servers themselves."""

    group: str = Field(description="The pool's Ansible group (zone and pool, '-' as '_').")
    zone: str
    facility: str
    name: str
    accelerator: str
    vendor: str
    stack: str
    accelerators_per_server: int
    software: dict[str, str] = Field(default_factory=dict, description="Pinned versions (driver, toolkit, ...).")
    collective_library: str
    busbw_floor_gbps: float | None = None
    licence_ref: str | None = None
    hosts: list[HostOutput] = Field(default_factory=list)


class MirrorOutput(_Output):
    """The region's S3-compatible artifact mirror, as nodes and `mirror sync` reach it."""

    endpoint: str = Field(
        description="The private endpoint nodes use, reached over the dedicated link: the S3 interface endpoint "
        "(aws) or the OSS PrivateLink endpoint (alicloud) in the region's VPC."
    )
    bucket: str
    region: str = Field(default="", description="The mirror's own region: the credential scope URLs are signed for.")


class DnsOutput(_Output):
    name: str
    id: str = ""
    resolvers: list[str] = Field(
        default_factory=list,
        description="Where colo servers send queries for the private zone: the inbound resolver endpoint's "
        "addresses (aws) or the PrivateZone service addresses routed over CEN (alicloud).",
    )


class LinkOutput(_Output):
    """A zone's dedicated link as the stack declared it."""

    name: str
    state: str = Field(description="planned, ordered or enabled (catalog link.state).")
    kind: str = "dedicated"
    vlan_id: int | None = None
    peer_asn: int | None = None
    cloud_asn: int | None = None
    cloud_address: str = ""
    peer_address: str = ""
    prefix_length: int = 30


class ZoneOutput(_Output):
    facility: str
    subnets: dict[str, str] = Field(default_factory=dict, description="The colo's ranges in this facility (not cloud subnets).")
    link: str = ""
    circuit: LinkOutput | None = None


class NetworkOutput(_Output):
    vpc_cidr: str = Field(description="The VPC's own range; no colo range lies inside it.")
    routed: list[str] = Field(default_factory=list, description="Colo ranges the cloud reaches over enabled links.")
    attached: bool = Field(default=False, description="At least one link is enabled: the VPC is attached and routed.")


class RegistrationOutput(_Output):
    """How one pool's servers register with the cloud's node manager."""

    group: str
    service: str = Field(description="ssm (aws hybrid activation) or cloud-assistant (alicloud managed instances).")
    name: str
    servers: int
    obtained_at: str = Field(
        description="stack: created by `up`, exported here as Pulumi secrets; bootstrap: created just before registration."
    )
    rotated: str = ""
    expires: str = ""
    activation_id: SecretStr | None = None
    activation_code: SecretStr | None = None
    create_activation: list[dict[str, Any]] = Field(
        default_factory=list,
        description="alicloud: the ECS CreateActivation requests the bootstrap makes (the code is returned once, valid 4 h at most).",
    )


class StackOutputs(_Output):
    """Everything the chain after `up` needs from a region's stack (or from what stands in for it)."""

    schema_version: int = SCHEMA_VERSION
    region: str
    backend: str
    cloud_region: str = ""
    dns_zone: DnsOutput
    kms_key: str = ""
    mirror: MirrorOutput
    evidence_bucket: str = ""
    package_source: str = Field(default="", description="Base URL of the apt source the region's nodes install from.")
    zones: dict[str, ZoneOutput] = Field(default_factory=dict)
    monitoring: list[str] = Field(default_factory=list, description="Ranges the metrics scrapers live in.")
    pools: list[PoolOutput] = Field(default_factory=list)
    network: NetworkOutput | None = None
    registration: list[RegistrationOutput] = Field(default_factory=list)


def pool_output(pool: PoolPlan) -> PoolOutput:
    """A planned pool as the stack outputs carry it."""
    return PoolOutput(
        group=pool.group,
        zone=pool.zone,
        facility=pool.facility,
        name=pool.name,
        accelerator=pool.accelerator,
        vendor=pool.vendor,
        stack=pool.stack,
        accelerators_per_server=pool.accelerators_per_server,
        software=pool.software.model_dump(exclude_none=True),
        collective_library=pool.collective_library,
        busbw_floor_gbps=pool.busbw_floor_gbps,
        licence_ref=pool.licence_ref,
        hosts=[
            HostOutput(
                name=s.name,
                address=str(s.management_address),
                storage_address=str(s.storage_address),
                fabric_address=str(s.fabric_address),
                bmc_address=str(s.bmc_address) if s.bmc_address else None,
                serial=s.serial,
            )
            for s in pool.servers
        ],
    )


def read_outputs(data: dict[str, Any]) -> StackOutputs:
    """Outputs as the engine returns them (plain JSON values), checked against the contract."""
    return StackOutputs.model_validate(data)
