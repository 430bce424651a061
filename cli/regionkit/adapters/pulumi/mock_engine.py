"""Run the real stacks/ program under Pulumi's mock runtime: no engine, no credentials, no
network. Records every resource (type, name, parent, inputs, options) for `regionkit plan`.

Two modes, as the engine has them: an update (`preview=False`: every resource gets an id and its
outputs, so exports resolve) and a preview (`preview=True`: ids and computed outputs are unknown,
and the inputs that depend on them reach the engine as Pulumi's unknown sentinel, as a policy pack
sees them in `pulumi preview`)."""

from __future__ import annotations

import asyncio
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from regionkit import interrupts
from regionkit.catalog.load import paused_gc
from regionkit.errors import RegionkitError

PROJECT = "regionkit"  # the name in stacks/Pulumi.yaml; config keys are namespaced by it


@dataclass(frozen=True)
class ResourceRecord:
    """One resource the program registered."""

    urn: str
    type: str
    name: str
    parent: str  # parent's name, "" for children of the stack
    custom: bool
    provider: str
    inputs: dict[str, Any]  # update mode: the state the mock returns (inputs plus computed outputs)
    dependencies: tuple[str, ...] = ()  # URNs this resource's inputs depend on
    zone: str = "regional"  # the Zone component it sits under, if any
    sent: dict[str, Any] = field(default_factory=dict)  # the inputs as sent to the engine (unknown sentinels in preview)
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    replacement_trigger: Any = None


@dataclass
class Synthesis:
    """What the program would create, and what it exports."""

    region: str
    resources: list[ResourceRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    preview: bool = False
    secret_outputs: list[str] = field(default_factory=list)  # dotted paths of exports that are Pulumi secrets


MOCK_ACCOUNT = "000000000000"


def _mock_outputs(typ: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """Computed outputs the program reads, shaped as the providers return them (names from the SDKs'
    output properties; ARNs as arn:aws:<service>:<region>:<account>:<resource>); values are placeholders."""
    rid = f"{name}-id"
    if typ.startswith("aws:"):
        service = typ.split(":")[1].split("/")[0]
        extra: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{MOCK_ACCOUNT}:{name}"}
        if typ == "aws:route53/zone:Zone":
            extra["zoneId"] = f"{name}-zone-id"
        elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            # Regional and zonal endpoint-specific names (S3 "Accessing buckets from interface endpoints").
            base = f"vpce-{name}.s3.{region}.vpce.amazonaws.com"
            extra["dnsEntries"] = [
                {"dnsName": f"*.{base}", "hostedZoneId": "Z-MOCK"},
                {"dnsName": f"*.vpce-{name}-{region}a.s3.{region}.vpce.amazonaws.com", "hostedZoneId": "Z-MOCK"},
            ]
        elif typ == "aws:ssm/activation:Activation":
            extra["activationCode"] = f"{name}-code"
        return extra
    return {
        "alicloud:vpc/network:Network": {"routeTableId": f"{name}-rtb"},
        "alicloud:cen/transitRouter:TransitRouter": {"transitRouterId": rid},
        "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable": {"transitRouterRouteTableId": rid},
        "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": {"transitRouterAttachmentId": rid},
        "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment": {"transitRouterAttachmentId": rid},
        "alicloud:privatelink/vpcEndpoint:VpcEndpoint": {"endpointDomain": f"{rid}.privatelink.aliyuncs.com"},
    }.get(typ, {})


class _Mocks(pulumi_mocks.Mocks):
    """Deterministic ids; state echoes inputs plus the computed outputs the program reads. In a
    preview, no id and no computed output: the SDK then treats them as unknown, as the engine does."""

    def __init__(self, preview: bool = False) -> None:
        self.preview = preview
        self.provider_regions: dict[str, str] = {}  # provider id -> its region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            self.provider_regions[f"{args.name}-id"] = str(state.get("region", ""))
        if self.preview:
            return "", state
        region = self.provider_regions.get((args.provider or "").split("::")[-1], "")
        for k, v in _mock_outputs(args.typ, args.name, state, region).items():
            state.setdefault(k, v)
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass
class _Registration:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    dependencies: tuple[str, ...]
    sent: dict[str, Any]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    retain_on_delete: bool
    replacement_trigger: Any


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping parent URNs, options and the raw inputs of every registration."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.records: list[_Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        trigger = json_format.MessageToDict(request.replacement_trigger) if request.HasField("replacement_trigger") else None
        self.records.append(
            _Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                provider=request.provider,
                dependencies=tuple(sorted(request.dependencies)),
                sent=json_format.MessageToDict(request.object),
                property_dependencies={k: tuple(sorted(v.urns)) for k, v in request.propertyDependencies.items()},
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                replacement_trigger=trigger,
            )
        )
        return response


@contextmanager
def _on_path(path: Path) -> Iterator[None]:
    sys.path.insert(0, str(path))
    saved = {k: v for k, v in sys.modules.items() if k == "backends" or k.startswith(("backends.", "components"))}
    try:
        yield
    finally:
        sys.path.remove(str(path))
        for k in [k for k in sys.modules if k == "backends" or k.startswith(("backends.", "components"))]:
            del sys.modules[k]
        sys.modules.update(saved)


def synthesize(
    stacks_dir: Path, region: str, config: dict[str, str] | None = None, root: Path | None = None, preview: bool = False
) -> Synthesis:
    """Evaluate stacks/__main__.py for `region` under mocks and return what it registered. The
    program loads the catalog at `root` (default: the folder holding inventories/ above stacks/)."""
    mocks = _Mocks(preview)
    monitor = _RecordingMonitor(mocks)
    pulumi_settings.reset_options(project=PROJECT, stack=region, preview=preview)  # also drops the root stack
    # Each synthesis gets its own event loop: the SDK binds futures to the loop it first sees.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi_mocks.set_mocks(mocks, project=PROJECT, stack=region, preview=preview, monitor=monitor)
    catalog_root = root or stacks_dir.resolve().parent
    pulumi.runtime.set_all_config({f"{PROJECT}:region": region, f"{PROJECT}:root": str(catalog_root), **(config or {})})
    main = stacks_dir / "__main__.py"
    # A synthesis allocates many objects per resource; pausing the cyclic collector for it saves
    # about a third of its time (plan_stacks benchmark).
    try:
        # ^C is held for the second a synthesis takes: one that lands in the SDK's event loop hangs it.
        with paused_gc(), _on_path(stacks_dir), interrupts.deferred():
            _sync_await(run_pulumi_func(lambda: _run_program(main)))
    except pulumi.RunError as exc:
        raise RegionkitError(f"stacks/__main__.py ({region}): {exc}") from None
    registered = monitor.get_registered_resources()
    names = {r.urn: r.name for r in monitor.records if r.type != "pulumi:pulumi:Stack"}
    parents = {r.urn: (r.type, r.name, r.parent) for r in monitor.records}

    def zone_of(urn: str) -> str:
        while urn in parents:
            typ, name, parent = parents[urn]
            if typ == "regionkit:zone:Zone":
                return name
            urn = parent
        return "regional"

    result = Synthesis(region, preview=preview)
    for r in monitor.records:
        if r.type == "pulumi:pulumi:Stack":
            continue
        state = registered.get(r.urn)
        result.resources.append(
            ResourceRecord(
                r.urn,
                r.type,
                r.name,
                names.get(r.parent, ""),
                r.custom,
                r.provider.split("::")[-1],
                dict(state.state) if state else {},
                r.dependencies,
                zone_of(r.urn),
                sent=r.sent,
                property_dependencies=r.property_dependencies,
                protect=r.protect,
                retain_on_delete=r.retain_on_delete,
                replacement_trigger=r.replacement_trigger,
            )
        )
    if not preview:
        stack = pulumi_settings.get_root_resource()
        result.outputs = _resolve(getattr(stack, "outputs", {}) or {}, "", result.secret_outputs)
    return result


def _run_program(main: Path) -> None:
    runpy.run_path(str(main), run_name="__main__")


def _resolve(value: Any, path: str = "", secrets: list[str] | None = None) -> Any:
    """Exports under mocks are known values wrapped in Outputs; unwrap them, noting which are secret."""
    if isinstance(value, pulumi.Output):
        if secrets is not None and _sync_await(value.is_secret()):
            secrets.append(path)
        return _resolve(_sync_await(value.future()), path, secrets)
    if isinstance(value, dict):
        return {k: _resolve(v, f"{path}.{k}" if path else str(k), secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value
