"""Stack outputs: the one contract that says where a region's hosts are and what they need.

Produced by the Pulumi program (`stacks/components/region.py`) for a cloud region and by the
lab adapter for lab hosts and stand-ins, read by the inventory planner. Every place hosts come
from hands over this type; nothing downstream asks which place it was. Pure.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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

    endpoint: str
    bucket: str
    region: str = Field(default="", description="The mirror's own region: the credential scope URLs are signed for.")


class DnsOutput(_Output):
    name: str
    id: str = ""


class ZoneOutput(_Output):
    facility: str
    subnets: dict[str, str] = Field(default_factory=dict)
    link: str = ""


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
    pools: list[PoolOutput] = Field(default_factory=list)


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
