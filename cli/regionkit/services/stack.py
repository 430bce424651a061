"""The region's stack: plan it offline, preview, apply, refresh or destroy it with the engine, and
read its outputs. One stack per region, named by the region key."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from regionkit.catalog.validate import allowed_cloud_regions, validate
from regionkit.errors import BadInputError, RegionkitError
from regionkit.planning.outputs import RegistrationOutput, StackOutputs, read_outputs
from regionkit.planning.stack import KeptResource, plan_stack
from regionkit.services.catalog import require_valid
from regionkit.services.session import Session

if TYPE_CHECKING:  # the Pulumi SDK takes ~0.2 s to import: only the functions that run it import it
    from regionkit.adapters.pulumi import engine
    from regionkit.adapters.pulumi.mock_engine import Synthesis
    from regionkit.adapters.pulumi.policy_runner import Violation


def stack_regions(session: Session) -> list[str]:
    """Regions with a cloud stack that may be applied (not planned)."""
    return [k for k, r in sorted(session.catalog.regions.items()) if r.status != "planned" and r.cloud.backend != "none"]


def applied_regions(session: Session) -> list[str]:
    """Regions whose stack has been created: `regionkit up` writes the stack's salt (or encrypted key)
    into the committed stack file when it creates the stack, and nothing else writes it. Read from the
    checkout alone: no engine, no backend (the nightly workflow decides with it which regions to run)."""
    from regionkit.adapters.pulumi.stack_file import project_dir, read_stack_file

    stacks = project_dir(session.root)
    applied = []
    for key in stack_regions(session):
        try:
            if read_stack_file(stacks, key).committed:
                applied.append(key)
        except BadInputError:
            continue  # no stack file: never created here
    return applied


def check_stack_region(session: Session, key: str, purpose: str) -> None:
    """Refuse a region that has no stack, or that validation says cannot be `purpose`d."""
    region = session.catalog.region(key)
    if region.cloud.backend == "none":
        raise BadInputError(f"{key} has no cloud stack (cloud.backend: none); its hosts come from `regionkit lab up`")
    if region.status == "planned":
        report = validate(session.catalog, [key])
        lacks = "; ".join(f.message for f in report.findings if f.validator == "readiness.planned") or "see validate"
        raise RegionkitError(f"{key} is planned; it cannot be {purpose} until it is ready: {lacks}")
    require_valid(session, key, purpose, ("readiness.",) if purpose == "applied" else ())


# --- offline: the program under the mock engine ----------------------------------------------


@dataclass(frozen=True)
class StackPlanResult:
    synthesis: Synthesis
    violations: list[Violation]

    def to_dict(self) -> dict[str, Any]:
        """Sorted and stable, for diffs in review."""
        resources = sorted(self.synthesis.resources, key=lambda r: (r.type, r.name))
        return {
            "region": self.synthesis.region,
            "summary": {
                "resources": len(resources),
                "by_type": dict(sorted(Counter(r.type for r in resources).items())),
                "by_zone": dict(sorted(Counter(r.zone for r in resources).items())),
            },
            "resources": [{"type": r.type, "name": r.name, "parent": r.parent, "zone": r.zone, "inputs": r.inputs} for r in resources],
            "outputs": self.synthesis.outputs,
            "policy_violations": [v.__dict__ for v in self.violations],
        }


def plan(session: Session, keys: list[str]) -> list[StackPlanResult]:
    """What each region's stack will create, offline, with the policy pack's verdict."""
    from regionkit.adapters.pulumi.mock_engine import synthesize
    from regionkit.adapters.pulumi.policy_runner import run_policies

    results = []
    for key in keys:
        check_stack_region(session, key, "planned")
        session.progress.status(f"plan {key}: the program under the mock engine")
        synthesis = synthesize(session.content.stacks, key, root=session.root)
        allowed = allowed_cloud_regions(session.catalog, session.catalog.region(key))
        results.append(StackPlanResult(synthesis, run_policies(session.content.stacks, synthesis, allowed)))
    return results


def synthesize_outputs(session: Session, key: str) -> StackOutputs:
    """The region's outputs as its plan says they will be."""
    from regionkit.adapters.pulumi.mock_engine import synthesize

    check_stack_region(session, key, "planned")
    return read_outputs(synthesize(session.content.stacks, key, root=session.root).outputs)


# --- the real engine -------------------------------------------------------------------------


def engine_settings(session: Session, backend: str | None) -> engine.EngineSettings:
    from regionkit.adapters.pulumi import engine

    return engine.EngineSettings(root=session.root, backend=backend, pulumi_root=os.environ.get("REGIONKIT_PULUMI_ROOT"))


def policy_config(session: Session, key: str) -> dict[str, Any]:
    from regionkit.adapters.pulumi.policy_runner import load_policies

    policies = load_policies(session.content.stacks)
    config: dict[str, Any] = policies.policy_config(key, allowed_cloud_regions(session.catalog, session.catalog.region(key)))
    return config


def operate(session: Session, key: str, operation: str, backend: str | None, refresh: bool = False) -> engine.EngineResult:
    """preview | refresh | destroy the region's stack with the engine and the policy pack (`up`: apply)."""
    from regionkit.adapters.pulumi import engine

    settings = engine_settings(session, backend)
    engine.require_cli(settings)  # first: without the engine nothing else matters
    check_stack_region(session, key, "previewed")
    return engine.run_operation(
        settings, key, operation, policy_config(session, key), on_output=session.progress.output, refresh=refresh
    )


def apply(session: Session, key: str, backend: str | None, confirm: Callable[[engine.EngineResult], bool]) -> engine.UpResult:
    """`up` as `pulumi up` does it: preview with the policy pack (a violation stops it before anything
    is created), then `confirm` with the preview; only a yes applies. The outputs an update returns
    are recorded for the hosts that come from this stack."""
    from regionkit.adapters.pulumi import engine

    settings = engine_settings(session, backend)
    engine.require_cli(settings)
    check_stack_region(session, key, "applied")
    provider = session.catalog.region(key).cloud.secrets_provider
    result = engine.preview_then_up(settings, key, policy_config(session, key), confirm, provider, session.progress.output)
    if result.up is not None and result.up.outputs:
        record_outputs(session, key, result.up.outputs)
    return result


def kept_on_destroy(session: Session, key: str) -> list[KeptResource]:
    """What `destroy` leaves in the cloud (keys, buckets, circuits: protected and retained)."""
    return list(plan_stack(session.catalog, session.catalog.region(key)).kept_on_destroy())


def record_outputs(session: Session, key: str, outputs: dict[str, Any]) -> StackOutputs:
    """Check the outputs against the contract and keep them for the hosts that come from this stack."""
    try:
        typed = read_outputs(outputs)
    except ValueError as exc:
        raise RegionkitError(f"the outputs of stack {key} are not regionkit's stack outputs: {str(exc).splitlines()[0]}") from None
    ws = session.workspace
    ws.write(ws.outputs_file(key), json.dumps(typed.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
    return typed


def stack_registration(session: Session, key: str, backend: str | None) -> list[RegistrationOutput]:
    """The deployed stack's node registrations with their secrets (the engine reads them with
    `--show-secrets`); never recorded: the recorded outputs keep them masked."""
    from regionkit.adapters.pulumi import engine

    settings = engine_settings(session, backend)
    engine.require_cli(settings)
    try:
        return list(read_outputs(engine.stack_outputs(settings, key)).registration)
    except ValueError as exc:
        raise RegionkitError(f"the outputs of stack {key} are not regionkit's stack outputs: {str(exc).splitlines()[0]}") from None


def fetch_outputs(session: Session, key: str, backend: str | None) -> StackOutputs:
    """Read the deployed stack's outputs with the engine, and record them."""
    from regionkit.adapters.pulumi import engine

    check_stack_region(session, key, "planned")
    return record_outputs(session, key, engine.stack_outputs(engine_settings(session, backend), key))
