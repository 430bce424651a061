"""Run the policy pack's functions (stacks/policy/policies.py) over a mocked stack, offline.

The engine runs the same functions during `preview`/`up`; here they receive the resources the
mock runtime recorded, shaped as the engine passes them: type, name, camelCase props wrapped in
pulumi_policy's own unknown-checking proxy, resource options (`protect`), dependencies and
property dependencies, config. Over a preview synthesis the props are the inputs as the program
sent them, with Pulumi's unknown sentinel where a value depends on a resource not yet created; a
policy that reads one raises UnknownValueError, which the engine reports as an advisory "can't run
policy during preview" and so does this runner.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from regionkit.adapters.pulumi.mock_engine import ResourceRecord, Synthesis

ADVISORY = "advisory"
MANDATORY = "mandatory"


@dataclass(frozen=True)
class _Options:
    """The resource options a policy sees (pulumi_policy PolicyResourceOptions, the fields regionkit reads)."""

    protect: bool = False


@dataclass
class _Resource:
    resource_type: str
    name: str
    urn: str
    props: Any
    opts: _Options = field(default_factory=_Options)
    dependencies: list[_Resource] = field(default_factory=list)
    property_dependencies: dict[str, list[_Resource]] = field(default_factory=dict)


@dataclass
class _Args:
    resource_type: str
    name: str
    urn: str
    props: Any
    config: dict[str, Any]
    opts: _Options = field(default_factory=_Options)
    resources: list[_Resource] = field(default_factory=list)

    def get_config(self) -> dict[str, Any]:
        return self.config


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    message: str
    level: str = MANDATORY  # advisory: the policy could not run (a value unknown in preview)


def load_policies(stacks_dir: Path) -> ModuleType:
    """Import stacks/policy/policies.py without constructing the pack (that would block)."""
    path = stacks_dir / "policy" / "policies.py"
    spec = importlib.util.spec_from_file_location("regionkit_stack_policies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _props(record: ResourceRecord, preview: bool) -> Any:
    """What the engine hands a policy: the sent inputs in a preview, the (mock) state otherwise."""
    raw = record.sent if preview else record.inputs
    return unknown_checking_proxy(deserialize_properties(raw) if preview else dict(raw))


def run_policies(stacks_dir: Path, synthesis: Synthesis, allowed_regions: list[str]) -> list[Violation]:
    """Every violation the pack reports for the synthesized stack (and, over a preview synthesis,
    every policy that could not run because it read a value unknown before creation)."""
    policies = load_policies(stacks_dir)
    config = {"region": synthesis.region, "allowedRegions": allowed_regions}
    custom = [r for r in synthesis.resources if r.custom]
    resources = {r.urn: _Resource(r.type, r.name, r.urn, _props(r, synthesis.preview), _Options(protect=r.protect)) for r in custom}
    for r in custom:
        resources[r.urn].dependencies = [resources[u] for u in r.dependencies if u in resources]
        resources[r.urn].property_dependencies = {
            k: [resources[u] for u in urns if u in resources] for k, urns in r.property_dependencies.items()
        }
    found: list[Violation] = []

    def run(policy: Any, args: _Args, resource: str) -> None:
        def report(msg: str, urn: str | None = None) -> None:
            found.append(Violation(policy.name, urn or resource, msg))

        try:
            policy.validate(args, report)
        except UnknownValueError as exc:
            found.append(Violation(policy.name, resource, f"can't run policy during preview: {exc.message}", ADVISORY))

    for policy in policies.POLICIES:
        if type(policy).__name__ == "StackValidationPolicy":
            run(policy, _Args("pulumi:pulumi:Stack", synthesis.region, "", {}, config, resources=list(resources.values())), "stack")
            continue
        for res in resources.values():
            run(policy, _Args(res.resource_type, res.name, res.urn, res.props, config, res.opts), res.name)
    return sorted(found, key=lambda v: (v.policy, v.resource, v.message))
