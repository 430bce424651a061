"""Run the policy pack's functions (stacks/policy/policies.py) over a mocked stack, offline.

The engine runs the same functions during `preview`/`up`; here they receive the resources the
mock runtime recorded, shaped as the engine would pass them (type, name, camelCase props,
dependencies, config)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from regionkit.adapters.pulumi.mock_engine import Synthesis


@dataclass
class _Resource:
    resource_type: str
    name: str
    urn: str
    props: dict[str, Any]
    dependencies: list[_Resource] = field(default_factory=list)


@dataclass
class _Args:
    resource_type: str
    name: str
    urn: str
    props: dict[str, Any]
    config: dict[str, Any]
    resources: list[_Resource] = field(default_factory=list)

    def get_config(self) -> dict[str, Any]:
        return self.config


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    message: str


def load_policies(stacks_dir: Path) -> ModuleType:
    """Import stacks/policy/policies.py without constructing the pack (that would block)."""
    path = stacks_dir / "policy" / "policies.py"
    spec = importlib.util.spec_from_file_location("regionkit_stack_policies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_policies(stacks_dir: Path, synthesis: Synthesis, allowed_regions: list[str]) -> list[Violation]:
    """Every violation the pack reports for the synthesized stack."""
    policies = load_policies(stacks_dir)
    config = {"region": synthesis.region, "allowedRegions": allowed_regions}
    custom = [r for r in synthesis.resources if r.custom]
    resources = {r.urn: _Resource(r.type, r.name, r.urn, r.inputs) for r in custom}
    for r in custom:
        resources[r.urn].dependencies = [resources[u] for u in r.dependencies if u in resources]
    found: list[Violation] = []
    for policy in policies.POLICIES:
        if type(policy).__name__ == "StackValidationPolicy":
            args = _Args("pulumi:pulumi:Stack", synthesis.region, "", {}, config, list(resources.values()))
            policy.validate(args, lambda msg, urn=None, p=policy: found.append(Violation(p.name, urn or "stack", msg)))
            continue
        for res in resources.values():
            args = _Args(res.resource_type, res.name, res.urn, res.props, config)
            policy.validate(args, lambda msg, urn=None, p=policy, n=res.name: found.append(Violation(p.name, n, msg)))
    return sorted(found, key=lambda v: (v.policy, v.resource, v.message))
