"""The Automation API wrapper: a LocalWorkspace on the Pulumi project (the content root's
stacks/), one stack per region key.

preview, up, destroy and refresh run the real `pulumi` CLI with the policy pack. The program
loads the catalog this wrapper was given (REGIONKIT_ROOT in the engine's environment), never one
it finds by itself. The state backend defaults to a local file backend in the workspace;
`backend` may name an S3- or OSS-compatible URL instead. Engine events become typed
ResourceSteps here; Pulumi's wire format goes no further.

Stack files (stacks/Pulumi.<region>.yaml) are committed, and so is their secrets material: the
passphrase provider's `encryptionsalt`, or a cloud provider's `encryptedkey`, next to the
`secretsprovider:` the catalog chose. Only `init_stack` (called by `up` for a stack that does not
exist yet) may write them. Every other operation opens a stack without creating it
(`pulumi stack select`), passes no secrets provider, project or stack settings to the workspace (any
of those makes the Automation API write the stack file), refuses a stack file without its
secrets material (Pulumi would generate and write a new salt), and checks afterwards that the file
is byte for byte what it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from regionkit.adapters.pulumi.stack_file import PASSPHRASE, project_dir, read_stack_file
from regionkit.catalog.load import ROOT_ENV
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
        """The Pulumi project: the one given; else the site's own stacks/ beside its inventories/ (the
        stack files, with their committed salts, are the operator's); else the content root's."""
        return self.stacks if self.stacks is not None else project_dir(self.root)

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


class StackNotDeployedError(RegionkitError):
    """The region's stack does not exist in the backend: it was never applied (an answer, not a failure)."""


def _secrets_env(settings: EngineSettings, provider: str) -> dict[str, str]:
    """The passphrase variables (passphrase provider only); a cloud KMS provider reads its own credentials."""
    if provider != PASSPHRASE:
        return {}
    passphrase = {k: v for k, v in os.environ.items() if k in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")}
    passphrase.update({k: v for k, v in settings.env.items() if k.startswith("PULUMI_CONFIG_PASSPHRASE")})
    if not passphrase:
        raise BadInputError(
            "PULUMI_CONFIG_PASSPHRASE is not set; export it (or PULUMI_CONFIG_PASSPHRASE_FILE): "
            "the passphrase secrets provider encrypts the stack's secrets with it"
        )
    return passphrase


def _workspace_options(settings: EngineSettings, provider: str, create_with: str | None = None) -> auto.LocalWorkspaceOptions:
    # No project_settings or stack_settings (the workspace would write Pulumi.yaml / the stack file),
    # and a secrets provider only for `stack init`.
    return auto.LocalWorkspaceOptions(
        work_dir=str(settings.stacks_dir),
        pulumi_command=_command(settings),
        secrets_provider=create_with,
        env_vars={
            "PULUMI_BACKEND_URL": settings.backend_url,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            ROOT_ENV: str(settings.root),
            **settings.env,
            **_secrets_env(settings, provider),
        },
    )


def open_stack(settings: EngineSettings, region: str) -> auto.Stack:
    """Select the region's existing stack; never create it (StackNotDeployedError when it does not exist)."""
    stack_file = read_stack_file(settings.stacks_dir, region)
    opts = _workspace_options(settings, stack_file.provider)
    try:
        stack = auto.select_stack(stack_name=region, work_dir=str(settings.stacks_dir), opts=opts)
    except auto.StackNotFoundError:
        raise StackNotDeployedError(
            f"{region}: not deployed (no stack {region} in {settings.backend_url}); `regionkit up {region}` creates it"
        ) from None
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi could not open stack {region}: {_last_error(exc)}") from None
    if not stack_file.committed:
        raise BadInputError(
            f"{stack_file.path}: no {stack_file.material}: the stack exists, but the file that decrypts its secrets "
            "was never committed; restore it from the checkout that created the stack (pulumi would write a new one)"
        )
    return stack


def is_deployed(settings: EngineSettings, region: str) -> bool:
    """Whether the region's stack exists in the backend (read-only: `pulumi stack select`)."""
    try:
        open_stack(settings, region)
    except StackNotDeployedError:
        return False
    return True


@dataclass(frozen=True)
class StackInit:
    """What `init_stack` did: created the stack, and whether it wrote the stack file's secrets material."""

    region: str
    created: bool
    wrote_material: bool
    stack_file: Path

    @property
    def note(self) -> str:
        if not self.created:
            return ""
        if self.wrote_material:
            return f"created stack {self.region}; commit {self.stack_file.name}: its secrets material was written now, once"
        return f"created stack {self.region} with the committed secrets material of {self.stack_file.name}"


def init_stack(settings: EngineSettings, region: str, secrets_provider: str) -> StackInit:
    """Create the region's stack if it does not exist: the one deliberate write of its stack file.

    `secrets_provider` is the catalog's choice (cloud.secrets_provider); the stack file must declare
    the same one. A committed salt or encrypted key is reused (Pulumi keeps it on `stack init`)."""
    stack_file = read_stack_file(settings.stacks_dir, region)
    if stack_file.provider != secrets_provider:
        raise BadInputError(
            f"{stack_file.path}: secretsprovider is {stack_file.provider}, the catalog says {secrets_provider}; make them agree"
        )
    try:
        open_stack(settings, region)
        return StackInit(region, False, False, stack_file.path)
    except StackNotDeployedError:
        pass
    before = stack_file.path.read_bytes()
    opts = _workspace_options(settings, secrets_provider, create_with=secrets_provider)
    try:
        auto.create_stack(stack_name=region, work_dir=str(settings.stacks_dir), opts=opts)
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi could not create stack {region}: {_last_error(exc)}") from None
    after = read_stack_file(settings.stacks_dir, region)
    if stack_file.committed and (after.encryption_salt, after.encrypted_key) != (stack_file.encryption_salt, stack_file.encrypted_key):
        stack_file.path.write_bytes(before)
        raise RegionkitError(
            f"{stack_file.path}: pulumi replaced the committed {stack_file.material}; restored it. Check the passphrase or key"
        )
    if not after.committed:
        raise RegionkitError(f"{stack_file.path}: pulumi created stack {region} but wrote no {after.material}")
    return StackInit(region, True, not stack_file.committed, stack_file.path)


@contextmanager
def _stack_file_unchanged(settings: EngineSettings, region: str) -> Iterator[None]:
    """An ordinary operation must leave the committed stack file as it was; if pulumi rewrote it,
    put it back and say so."""
    path = settings.stacks_dir / f"Pulumi.{region}.yaml"
    before = path.read_bytes() if path.exists() else None
    try:
        yield
    finally:
        after = path.read_bytes() if path.exists() else None
        if after != before:
            if before is not None:
                path.write_bytes(before)
            raise RegionkitError(f"{path}: pulumi rewrote the committed stack file during the operation; restored it. Report this")


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
    secrets_provider: str | None = None,
) -> EngineResult:
    """preview | up | destroy | refresh the region's stack; policy pack on for preview and up.

    Only `up` creates a stack that does not exist (init_stack, with `secrets_provider`, default the
    stack file's); the others answer StackNotDeployedError. `destroy` leaves protected resources
    (`--exclude-protected`): keys, buckets and circuits stay (planning.stack kept_on_destroy)."""
    if operation not in ("preview", "up", "destroy", "refresh"):
        raise BadInputError(f"unknown operation {operation!r}")
    if operation == "up":
        init_stack(settings, region, secrets_provider or read_stack_file(settings.stacks_dir, region).provider)
    stack = open_stack(settings, region)
    pack = [str(settings.stacks_dir / "policy")]
    config = [str(write_policy_config(settings, region, policy_config))]
    try:
        with _stack_file_unchanged(settings, region):
            if operation == "preview":
                pr = stack.preview(policy_packs=pack, policy_pack_configs=config, refresh=refresh, on_output=on_output, color="never")
                return EngineResult(operation, region, _changes(pr.change_summary), {}, pr.stdout)
            if operation == "up":
                ur = stack.up(policy_packs=pack, policy_pack_configs=config, on_output=on_output, color="never")
                outputs = {k: v.value for k, v in ur.outputs.items()}
                return EngineResult(operation, region, _changes(ur.summary.resource_changes), outputs, ur.stdout)
            if operation == "destroy":
                dr = stack.destroy(exclude_protected=True, on_output=on_output, color="never")
                return EngineResult(operation, region, _changes(dr.summary.resource_changes), {}, dr.stdout)
            rr = stack.refresh(on_output=on_output, color="never")
            return EngineResult(operation, region, _changes(rr.summary.resource_changes), {}, rr.stdout)
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi {operation} {region} failed: {_last_error(exc)}") from None
    except _TORN as exc:
        raise RegionkitError(_torn(operation, region, exc)) from None


# What the Automation API raises when the engine ended without a whole answer: no summary event
# ("summary event never found"), a history that is not JSON, a record without its fields.
_TORN = (RuntimeError, ValueError, KeyError, TypeError)


def _torn(operation: str, region: str, exc: BaseException) -> str:
    said = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
    then = (
        "it changes nothing: re-run it"
        if operation.startswith(("preview", "stack output"))
        else f"what it changed is unknown: run `regionkit preview {region}` to see (`pulumi cancel` in stacks/ if it stays locked)"
    )
    return f"pulumi {operation} {region} ended without its summary (the engine died or was killed: {said}); {then}"


@dataclass(frozen=True)
class UpResult:
    """`preview_then_up`: the preview shown, whether it was confirmed, and the update (None if not run)."""

    init: StackInit
    preview: EngineResult
    confirmed: bool
    up: EngineResult | None


def preview_then_up(
    settings: EngineSettings,
    region: str,
    policy_config: dict[str, Any],
    confirm: Callable[[EngineResult], bool],
    secrets_provider: str,
    on_output: Callable[[str], None] | None = None,
) -> UpResult:
    """What `pulumi up` does interactively: create the stack if it is new (init_stack), preview with
    the policy pack (a mandatory violation fails here, before anything is created), then call
    `confirm` with the preview; only a True answer runs the update. A preview without changes
    runs nothing and asks nothing."""
    init = init_stack(settings, region, secrets_provider)
    preview = run_operation(settings, region, "preview", policy_config, on_output)
    if preview.changed == 0:
        return UpResult(init, preview, False, None)
    if not confirm(preview):
        return UpResult(init, preview, False, None)
    up = run_operation(settings, region, "up", policy_config, on_output, secrets_provider=secrets_provider)
    return UpResult(init, preview, True, up)


def stack_outputs(settings: EngineSettings, region: str) -> dict[str, Any]:
    """The outputs of the region's deployed stack (StackNotDeployedError for a stack never applied)."""
    stack = open_stack(settings, region)
    try:
        return {k: v.value for k, v in stack.outputs().items()}
    except auto.CommandError as exc:
        raise RegionkitError(f"pulumi stack output {region} failed: {_last_error(exc)}") from None
    except _TORN as exc:
        raise RegionkitError(_torn("stack output", region, exc)) from None


def _changes(summary: Any) -> dict[str, int]:
    """Change counts keyed by the operation's name (the API keys them by OpType or str)."""
    return {str(getattr(op, "value", op)): int(n) for op, n in (summary or {}).items()}


def _last_error(exc: auto.CommandError) -> str:
    # CommandError keeps only its text: "code: N / stdout: ... / stderr: ..."
    code = next((ln.split(":", 1)[1].strip() for ln in str(exc).splitlines() if ln.strip().startswith("code:")), "")
    if code.startswith("-") and code[1:].isdigit():  # the process died of a signal
        return f"the pulumi CLI was killed (signal {code[1:]}) before it finished; what it changed is unknown"
    lines = [ln.strip().removeprefix("stderr:").strip() for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("code:", "stdout:"))]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    return (errors or lines or ["(no message)"])[-1]


@dataclass
class PreviewSteps:
    """The engine steps and error diagnostics of one read-only `preview --refresh`; `deployed` False
    when the stack does not exist (nothing was run, nothing was created)."""

    steps: list[ResourceStep] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    deployed: bool = True


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
    """`pulumi preview --refresh --diff`: refresh in memory, compare, write nothing to state. A stack
    that does not exist is selected, never created, and answers `deployed=False`."""
    try:
        stack = open_stack(settings, region)
    except StackNotDeployedError:
        return PreviewSteps(deployed=False)
    found = PreviewSteps()

    def on_event(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            found.steps.append(resource_step(event.resource_pre_event.metadata))
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            found.errors.append(event.diagnostic_event.message.strip())

    try:
        with _stack_file_unchanged(settings, region):
            stack.preview(refresh=True, diff=True, on_event=on_event, color="never")
    except auto.CommandError as exc:
        found.errors.append(_last_error(exc))
    except _TORN as exc:
        found.errors.append(_torn("preview --refresh", region, exc))
    return found
