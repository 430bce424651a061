"""The Automation API wrapper: a LocalWorkspace on stacks/, one stack per region key.

preview, up, destroy and refresh run the real `pulumi` CLI with the policy pack. The state
backend defaults to a local file backend under .regionkit/state with the passphrase secrets
provider; `backend` may name an S3- or OSS-compatible URL instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from regionkit.errors import BadInputError, EngineMissingError, RegionkitError

INSTALL_HINT = "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/) and re-run"


@dataclass(frozen=True)
class EngineSettings:
    """Where the engine runs and keeps state."""

    root: Path
    backend: str | None = None  # None: file backend under <root>/.regionkit/state
    pulumi_root: str | None = None  # folder holding bin/pulumi; None: pulumi from $PATH
    env: dict[str, str] = field(default_factory=dict)

    @property
    def stacks_dir(self) -> Path:
        return self.root / "stacks"

    @property
    def backend_url(self) -> str:
        if self.backend:
            if not self.backend.startswith(("s3://", "file://", "https://", "azblob://", "gs://")):
                raise BadInputError(
                    f"--backend {self.backend}: not a state backend URL; use s3://bucket[/prefix]"
                    "?endpoint=...&region=... (OSS and other S3-compatible stores too) or file://PATH"
                )
            return self.backend
        state = self.root / ".regionkit" / "state"
        state.mkdir(parents=True, exist_ok=True)
        return f"file://{state}"


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
            **settings.env,
            **passphrase,
        },
    )
    try:
        return auto.create_or_select_stack(stack_name=region, work_dir=str(settings.stacks_dir), opts=opts)
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi could not open stack {region}: {_last_error(exc)}") from None


def write_policy_config(settings: EngineSettings, region: str, config: dict[str, Any]) -> Path:
    path = settings.root / ".regionkit" / "policy" / f"{region}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


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

    steps: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _state_dict(state: Any) -> dict[str, Any] | None:
    if state is None:
        return None
    return {"id": state.id, "inputs": state.inputs or {}, "outputs": state.outputs or {}}


def drift_preview(settings: EngineSettings, region: str) -> PreviewSteps:
    """`pulumi preview --refresh --diff`: refresh in memory, compare, write nothing to state."""
    stack = open_stack(settings, region)
    found = PreviewSteps()

    def on_event(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            md = event.resource_pre_event.metadata
            found.steps.append(
                {
                    "op": md.op.value,
                    "urn": md.urn,
                    "type": md.type,
                    "old": _state_dict(md.old),
                    "new": _state_dict(md.new),
                    "diffs": list(md.diffs or []),
                    "detailedDiff": {
                        k: {"diffKind": v.diff_kind.value, "inputDiff": v.input_diff} for k, v in (md.detailed_diff or {}).items()
                    },
                }
            )
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            found.errors.append(event.diagnostic_event.message.strip())

    try:
        stack.preview(refresh=True, diff=True, on_event=on_event, color="never")
    except auto.CommandError as exc:
        found.errors.append(_last_error(exc))
    return found
