"""Node registration at bootstrap: the activations the region's nodes register with, obtained right
before the run and handed to it through the runner's environment (never the inventory, never a
file, never a report).

- AWS (`obtained_at: stack`): the stack's SSM hybrid activations, exported as Pulumi secrets. The
  recorded outputs keep them masked, so they are read from the stack itself (`--show-secrets`).
- Alibaba Cloud (`obtained_at: bootstrap`): pulumi_alicloud returns no Cloud Assistant code, so the
  stack outputs the ECS CreateActivation requests, and they are sent here (adapters/alicloud).
- Hosts that register with no cloud (lab, stand-ins, a plan): nothing; the role says it skips.

Check mode creates and reads no activation: the role sees placeholders and reports what it would do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regionkit.errors import BadInputError
from regionkit.planning.outputs import RegistrationOutput
from regionkit.services.inventory import RegionHosts
from regionkit.services.session import Session

ENV = "REGIONKIT_NODE_ACTIVATIONS"  # read by roles/node_registration (defaults/main.yml)
CHECK_PLACEHOLDER = "(check mode: no activation obtained)"


@dataclass(frozen=True)
class Obtained:
    """One activation as the role takes it."""

    activation_id: str
    code: str = field(repr=False)


# (requests) -> activations, in order: adapters.alicloud.activation.create_activations in production.
CreateActivations = Callable[[Sequence[Mapping[str, Any]]], list[Obtained]]
# (session, region, backend) -> the stack's registrations with their secrets.
ReadStack = Callable[[Session, str, "str | None"], list[RegistrationOutput]]


@dataclass(frozen=True)
class NodeActivations:
    env: dict[str, str]  # {ENV: json} for the run, or {}
    secrets: list[str]  # values no report may show
    notes: list[str]  # what was obtained and how, in words (never a code)


def _create_with_sdk(requests: Sequence[Mapping[str, Any]]) -> list[Obtained]:
    from regionkit.adapters.alicloud.activation import create_activations

    return [Obtained(a.activation_id, a.code) for a in create_activations(requests)]


def _read_stack(session: Session, region: str, backend: str | None) -> list[RegistrationOutput]:
    from regionkit.services.stack import stack_registration

    return stack_registration(session, region, backend)


def node_activations(
    session: Session,
    hosts: RegionHosts,
    going: list[str],
    check: bool = False,
    backend: str | None = None,
    create: CreateActivations | None = None,
    read_stack: ReadStack | None = None,
    today: dt.date | None = None,
) -> NodeActivations:
    """The activations of the pools that have a host in `going`, ready for the run's environment."""
    create = create or _create_with_sdk
    read_stack = read_stack or _read_stack
    region = hosts.plan.region
    pool_of = hosts.plan.pool_of
    wanted = {pool_of[h] for h in going if h in pool_of}
    regs = [r for r in hosts.source.registration() if r.group in wanted]
    if not regs:
        return NodeActivations({}, [], [])
    cloud_region = hosts.outputs.cloud_region
    stack_side = [r for r in regs if r.obtained_at == "stack"]
    secret_by_group: dict[str, RegistrationOutput] = {}
    if stack_side and not check:
        secret_by_group = {r.group: r for r in read_stack(session, region, backend)}
    entries: dict[str, Any] = {}
    secrets: list[str] = []
    notes: list[str] = []
    for reg in regs:
        if check:
            obtained = [Obtained(CHECK_PLACEHOLDER, CHECK_PLACEHOLDER)] * max(1, len(reg.create_activation))
            per = reg.servers if reg.obtained_at == "stack" else _per_activation(reg)
        elif reg.obtained_at == "stack":
            obtained = [_from_stack(region, reg, secret_by_group.get(reg.group), today or dt.datetime.now(dt.UTC).date())]
            per = reg.servers
            notes.append(f"{reg.group}: the stack's {reg.service} activation {reg.name} (expires {reg.expires})")
        elif reg.obtained_at == "bootstrap":
            if not reg.create_activation:
                raise BadInputError(f"{region}: pool {reg.group} registers at bootstrap, but its outputs carry no CreateActivation")
            obtained = create(reg.create_activation)
            per = _per_activation(reg)
            ttl = reg.create_activation[0].get("TimeToLiveInHours", "")
            notes.append(f"{reg.group}: {len(obtained)} {reg.service} activation(s) created with ECS CreateActivation (valid {ttl} h)")
        else:
            raise BadInputError(f"{region}: pool {reg.group}: obtained_at {reg.obtained_at!r} is neither stack nor bootstrap")
        secrets.extend(o.code for o in obtained if o.code != CHECK_PLACEHOLDER)
        entries[reg.group] = {
            "service": reg.service,
            "region": _region_of(reg, cloud_region),
            "per_activation": max(1, per),
            "activations": [{"activation_id": o.activation_id, "activation_code": o.code} for o in obtained],
        }
    return NodeActivations({ENV: json.dumps(entries, sort_keys=True)}, secrets, notes)


def _per_activation(reg: RegistrationOutput) -> int:
    """How many servers one of the pool's activations registers (all but the last are full)."""
    return int(reg.create_activation[0].get("InstanceCount", reg.servers)) if reg.create_activation else reg.servers


def _region_of(reg: RegistrationOutput, cloud_region: str) -> str:
    if reg.create_activation and reg.create_activation[0].get("RegionId"):
        return str(reg.create_activation[0]["RegionId"])
    return cloud_region


def _from_stack(region: str, reg: RegistrationOutput, secret: RegistrationOutput | None, today: dt.date) -> Obtained:
    """The stack's activation for one pool; refused when the stack has none or it has expired."""
    if reg.expires and dt.date.fromisoformat(reg.expires[:10]) <= today:
        raise BadInputError(
            f"{region}: the {reg.service} activation of pool {reg.group} expired on {reg.expires[:10]}; "
            f"set registration.rotated: {today} in the catalog and run `regionkit up {region}` to re-issue it"
        )
    found = secret if secret is not None else reg
    ident = found.activation_id.get_secret_value() if found.activation_id else ""
    code = found.activation_code.get_secret_value() if found.activation_code else ""
    if not ident or not code or "*" in ident + code:
        raise BadInputError(
            f"{region}: the stack exports no activation for pool {reg.group}; run `regionkit up {region}` "
            f"(or pass the stack's --backend) so bootstrap can read it"
        )
    return Obtained(ident, code)
