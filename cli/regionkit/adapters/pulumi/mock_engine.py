"""Run the real stacks/ program under Pulumi's mock runtime: no engine, no credentials, no
network. Records every resource (type, name, parent, inputs) for `regionkit plan`."""

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
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

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
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()  # URNs this resource's inputs depend on
    zone: str = "regional"  # the Zone component it sits under, if any


@dataclass
class Synthesis:
    """What the program would create, and what it exports."""

    region: str
    resources: list[ResourceRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


class _Mocks(pulumi_mocks.Mocks):
    """Deterministic ids; state echoes inputs (what a real provider would mostly return)."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ.startswith("aws:"):
            state.setdefault("arn", f"arn:aws:mock:::{args.name}")
        if args.typ == "aws:route53/zone:Zone":
            state.setdefault("zoneId", f"{args.name}-zone-id")
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping parent URNs and the raw inputs of every registration."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.records: list[tuple[str, str, str, str, bool, str, tuple[str, ...]]] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.records.append(
            (
                response.urn,
                request.type,
                request.name,
                request.parent,
                bool(request.custom),
                request.provider,
                tuple(sorted(request.dependencies)),
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


def synthesize(stacks_dir: Path, region: str, config: dict[str, str] | None = None, root: Path | None = None) -> Synthesis:
    """Evaluate stacks/__main__.py for `region` under mocks and return what it registered. The
    program loads the catalog at `root` (default: the folder holding inventories/ above stacks/)."""
    monitor = _RecordingMonitor(_Mocks())
    pulumi_settings.reset_options(project=PROJECT, stack=region, preview=False)  # also drops the root stack
    # Each synthesis gets its own event loop: the SDK binds futures to the loop it first sees.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi_mocks.set_mocks(_Mocks(), project=PROJECT, stack=region, preview=False, monitor=monitor)
    catalog_root = root or stacks_dir.resolve().parent
    pulumi.runtime.set_all_config({f"{PROJECT}:region": region, f"{PROJECT}:root": str(catalog_root), **(config or {})})
    main = stacks_dir / "__main__.py"
    # A synthesis allocates many objects per resource; pausing the cyclic collector for it saves
    # about a third of its time (plan_stacks benchmark).
    try:
        with paused_gc(), _on_path(stacks_dir):
            _sync_await(run_pulumi_func(lambda: _run_program(main)))
    except pulumi.RunError as exc:
        raise RegionkitError(f"stacks/__main__.py ({region}): {exc}") from None
    registered = monitor.get_registered_resources()
    names = {urn: name for urn, typ, name, *_ in monitor.records if typ != "pulumi:pulumi:Stack"}
    parents = {urn: (typ, name, parent) for urn, typ, name, parent, *_ in monitor.records}

    def zone_of(urn: str) -> str:
        while urn in parents:
            typ, name, parent = parents[urn]
            if typ == "regionkit:zone:Zone":
                return name
            urn = parent
        return "regional"

    result = Synthesis(region)
    for urn, typ, name, parent, custom, provider, deps in monitor.records:
        if typ == "pulumi:pulumi:Stack":
            continue
        state = registered.get(urn)
        inputs = dict(state.state) if state else {}
        result.resources.append(
            ResourceRecord(urn, typ, name, names.get(parent, ""), custom, provider.split("::")[-1], inputs, deps, zone_of(urn))
        )
    stack = pulumi_settings.get_root_resource()
    result.outputs = _resolve(getattr(stack, "outputs", {}) or {})
    return result


def _run_program(main: Path) -> None:
    runpy.run_path(str(main), run_name="__main__")


def _resolve(value: Any) -> Any:
    """Exports under mocks are known values wrapped in Outputs; unwrap them."""
    if isinstance(value, pulumi.Output):
        return _resolve(_sync_await(value.future()))
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v) for v in value]
    return value
