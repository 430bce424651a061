"""The Automation API wrapper: a LocalWorkspace on the Pulumi project (the content root's
stacks/), one stack per region key.

preview, up, destroy and refresh run the real `pulumi` CLI with the policy pack. The program
loads the catalog this wrapper was given (REGIONKIT_ROOT in the engine's environment), never one
it finds by itself. The state backend defaults to a local file backend in the workspace with the
passphrase secrets provider; `backend` may name an S3- or OSS-compatible URL instead. Engine
events become typed ResourceSteps here; Pulumi's wire format goes no further.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from regionkit.catalog.load import ROOT_ENV
from regionkit.content import content_root
from regionkit.errors import BadInputError, EngineMissingError, RegionkitError
from regionkit.planning.results import SECRET, PropertyDiff, ResourceState, ResourceStep
from regionkit.workspace import Workspace

INSTALL_HINT = "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/) and re-run"


@dataclass(frozen=True)
class EngineSettings:
    """Where the engine runs and keeps state."""

    root: Path  # the catalog root: the program loads this catalog
    backend: str | None = None  # None: file backend in the workspace
    pulumi_root: str | None = None  # folder holding bin/pulumi; None: pulumi from $PATH
    env: dict[str, str] = field(default_factory=dict)
    stacks: Path | None = None  # the Pulumi project; None: the content root's stacks/

    @property
    def stacks_dir(self) -> Path:
        """The Pulumi project: the catalog's own (a site made by `regionkit init`, or a clone), where
        the stacks' configuration files live; else the content root's."""
        if self.stacks:
            return self.stacks
        own = self.root / "stacks"
        return own if (own / "Pulumi.yaml").is_file() else content_root().stacks

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root)

    @property
    def backend_url(self) -> str:
        if self.backend:
            if not self.backend.startswith(("s3://", "file://", "https://", "azblob://", "gs://")):
                raise BadInputError(
                    f"--backend {self.backend}: not a state backend URL; use s3://bucket[/prefix]"
                    "?endpoint=...&region=... (OSS and other S3-compatible stores too) or file://PATH"
                )
            return self.backend
        return f"file://{self.workspace.state_dir}"


@dataclass(frozen=True)
class EngineResult:
    """What one engine operation did."""

    operation: str
    region: str
    changes: dict[str, int]
    outputs: dict[str, Any]
    stdout: str

    @property
    def changed(self) -> int:
        return sum(n for op, n in self.changes.items() if op != "same")


def _command(settings: EngineSettings) -> auto.PulumiCommand:
    try:
        return auto.PulumiCommand(root=settings.pulumi_root)
    except FileNotFoundError:
        raise EngineMissingError(f"the pulumi CLI was not found on PATH; {INSTALL_HINT}") from None


def require_cli(settings: EngineSettings) -> None:
    """Raise EngineMissingError (one line, with the fix) when no pulumi CLI can be run."""
    _command(settings)


def open_stack(settings: EngineSettings, region: str) -> auto.Stack:
    """Select (or create) the region's stack in the configured backend."""
    passphrase = {k: v for k, v in os.environ.items() if k in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")}
    passphrase.update({k: v for k, v in settings.env.items() if k.startswith("PULUMI_CONFIG_PASSPHRASE")})
    if not passphrase:
        raise BadInputError(
            "PULUMI_CONFIG_PASSPHRASE is not set; export it (or PULUMI_CONFIG_PASSPHRASE_FILE): "
            "the passphrase secrets provider encrypts the stack's secrets with it"
        )
    command = _command(settings)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(settings.stacks_dir),
        pulumi_command=command,
        secrets_provider="passphrase",
        env_vars={
            "PULUMI_BACKEND_URL": settings.backend_url,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            ROOT_ENV: str(settings.root),
            **settings.env,
            **passphrase,
        },
    )
    try:
        return auto.create_or_select_stack(stack_name=region, work_dir=str(settings.stacks_dir), opts=opts)
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi could not open stack {region}: {_last_error(exc)}") from None


def write_policy_config(settings: EngineSettings, region: str, config: dict[str, Any]) -> Path:
    ws = settings.workspace
    return ws.write(ws.policy_config(region), json.dumps(config, indent=2, sort_keys=True) + "\n")


def run_operation(
    settings: EngineSettings,
    region: str,
    operation: str,
    policy_config: dict[str, Any],
    on_output: Callable[[str], None] | None = None,
    refresh: bool = False,
) -> EngineResult:
    """preview | up | destroy | refresh the region's stack; policy pack on for preview and up."""
    stack = open_stack(settings, region)
    pack = [str(settings.stacks_dir / "policy")]
    config = [str(write_policy_config(settings, region, policy_config))]
    try:
        if operation == "preview":
            pr = stack.preview(policy_packs=pack, policy_pack_configs=config, refresh=refresh, on_output=on_output, color="never")
            return EngineResult(operation, region, _changes(pr.change_summary), {}, pr.stdout)
        if operation == "up":
            ur = stack.up(policy_packs=pack, policy_pack_configs=config, on_output=on_output, color="never")
            outputs = {k: v.value for k, v in ur.outputs.items()}
            return EngineResult(operation, region, _changes(ur.summary.resource_changes), outputs, ur.stdout)
        if operation == "destroy":
            dr = stack.destroy(on_output=on_output, color="never")
            return EngineResult(operation, region, _changes(dr.summary.resource_changes), {}, dr.stdout)
        if operation == "refresh":
            rr = stack.refresh(on_output=on_output, color="never")
            return EngineResult(operation, region, _changes(rr.summary.resource_changes), {}, rr.stdout)
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi {operation} {region} failed: {_last_error(exc)}") from None
    raise BadInputError(f"unknown operation {operation!r}")


def stack_outputs(settings: EngineSettings, region: str) -> dict[str, Any]:
    """The outputs of the region's deployed stack."""
    stack = open_stack(settings, region)
    try:
        return {k: v.value for k, v in stack.outputs().items()}
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi stack output {region} failed: {_last_error(exc)}") from None


def _changes(summary: Any) -> dict[str, int]:
    """Change counts keyed by the operation's name (the API keys them by OpType or str)."""
    return {str(getattr(op, "value", op)): int(n) for op, n in (summary or {}).items()}


def _last_error(exc: auto.CommandError) -> str:
    # CommandError keeps only its text: "code: N / stdout: ... / stderr: ..."
    lines = [ln.strip().removeprefix("stderr:").strip() for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("code:", "stdout:"))]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    return (errors or lines or ["(no message)"])[-1]


@dataclass
class PreviewSteps:
    """The engine steps and error diagnostics of one read-only `preview --refresh`."""

    steps: list[ResourceStep] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Pulumi marks a secret value with this signature key in its JSON wire format.
_SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def _unsecret(value: Any) -> Any:
    """Engine values with every secret replaced by SECRET: nothing above the adapter sees one."""
    if isinstance(value, dict):
        if _SECRET_SIGNATURE in value:
            return SECRET
        return {k: _unsecret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsecret(v) for v in value]
    return value


def _state(state: Any) -> ResourceState | None:
    if state is None:
        return None
    return ResourceState(str(state.id or ""), _unsecret(dict(state.inputs or {})), _unsecret(dict(state.outputs or {})))


def resource_step(md: Any) -> ResourceStep:
    """A typed step from the Automation API's StepEventMetadata."""
    return ResourceStep(
        op=md.op.value,
        urn=md.urn,
        type=md.type,
        old=_state(md.old),
        new=_state(md.new),
        diffs=tuple(md.diffs or ()),
        detailed_diff={k: PropertyDiff(v.diff_kind.value, bool(v.input_diff)) for k, v in (md.detailed_diff or {}).items()},
    )


def drift_preview(settings: EngineSettings, region: str) -> PreviewSteps:
    """`pulumi preview --refresh --diff`: refresh in memory, compare, write nothing to state."""
    stack = open_stack(settings, region)
    found = PreviewSteps()

    def on_event(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            found.steps.append(resource_step(event.resource_pre_event.metadata))
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            found.errors.append(event.diagnostic_event.message.strip())

    try:
        stack.preview(refresh=True, diff=True, on_event=on_event, color="never")
    except auto.CommandError as exc:
        found.errors.append(_last_error(exc))
    return found
