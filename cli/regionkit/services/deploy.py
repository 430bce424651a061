"""`deploy`: the whole chain for one region, each stage a use case called as a function:
validate, hosts (the stack's `up`, or the lab), handover (where the pools list their servers),
inventory, mirror sync, bootstrap, verify. It stops at the first stage that fails and names the
command that resumes from there. Servers handover rejects are held back: the chain goes on with
the accepted ones, and the deploy's exit code says that not every server went on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from regionkit.errors import EXIT_OK, BadInputError, RegionkitError
from regionkit.planning.acceptance import VerifyReport
from regionkit.planning.handover import HandoverReport
from regionkit.services.bootstrap import bootstrap
from regionkit.services.catalog import require_valid
from regionkit.services.handover import HandoverRun, handover, region_manifest
from regionkit.services.hosts import LabHosts, hosts_for, lab_holds
from regionkit.services.inventory import region_hosts
from regionkit.services.lab import lab_up
from regionkit.services.mirror import mirror_sync
from regionkit.services.session import Session
from regionkit.services.stack import apply
from regionkit.services.verify import verify


@dataclass(frozen=True)
class Stage:
    name: str
    resume: str  # the command that runs this stage alone
    run: Callable[[], object]  # a use case; its result's exit_code, where it has one, decides (0: go on)

    def __call__(self) -> int:
        return int(getattr(self.run(), "exit_code", EXIT_OK))


@dataclass
class DeployResult:
    region: str
    stages: list[tuple[str, float]] = field(default_factory=list)  # done: name, seconds
    failed: Stage | None = None
    exit_code: int = EXIT_OK
    error: RegionkitError | None = None  # why the failed stage failed, when it raised
    report: VerifyReport | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    handover: HandoverReport | None = None


def _hosts_stage(session: Session, region: str, backend: str | None, yes: bool) -> Stage | None:
    """How the region's hosts come to be: `up` for a stack; the lab's own hosts brought up when they
    are down; nothing when lab stand-ins already hold the region (they stand in for `up`)."""
    source = hosts_for(session, region)
    if not isinstance(source, LabHosts):
        resume = f"regionkit up {region} (or rehearse on lab stand-ins: regionkit lab up --region {region})"
        return Stage("up", resume, lambda: _up(session, region, backend, yes))
    if lab_holds(session) == region:
        return None
    return Stage("lab up", "regionkit lab up", lambda: lab_up(session))


def _up(session: Session, region: str, backend: str | None, yes: bool) -> object:
    """`up` inside deploy: applied when `yes`; else refused after the preview, which is shown."""
    result = apply(session, region, backend, lambda _preview: yes)
    if result.up is None and result.preview.changed and not yes:
        raise BadInputError(
            f"deploy {region}: the preview above changes {result.preview.changed} resources; re-run with --yes to apply"
        )
    return result


def _handover(session: Session, region: str, result: DeployResult) -> HandoverRun | None:
    """Handover inside deploy: the chain goes on with the accepted servers (None), and stops
    (the run, with its exit code) only when none was accepted."""
    run = handover(session, region)
    result.handover = report = run.report
    if report.rejected:
        result.notes.append(
            f"handover held back {len(report.rejected)} of {len(report.results)} servers ({', '.join(report.rejected)}): "
            f"bootstrap and verify leave them out; report {report.report}"
        )
    if report.unlisted:
        found = ", ".join(u.address for u in report.unlisted)
        result.notes.append(f"handover found BMCs the manifest does not list ({found}): never admitted; report {report.report}")
    return None if report.accepted else run


def deploy(
    session: Session, region: str, backend: str | None = None, yes: bool = False, artifacts: Path | None = None
) -> DeployResult:
    """Run the chain; the result names the stages done and the one that failed, if any. `artifacts`:
    the folder with the vendors' files for mirror sync (lab hosts build stand-ins without one)."""
    session.catalog.region(region)
    # A stack's hosts need the vendors' own files (lab hosts build stand-ins): the resume says so.
    needs_files = artifacts is None and not isinstance(hosts_for(session, region), LabHosts)
    sync_resume = f"regionkit mirror sync {region}" + (f" --from {artifacts}" if artifacts else " --from DIR" if needs_files else "")
    result = DeployResult(region)
    started = time.monotonic()
    backend_opt = f" --backend {backend}" if backend else ""

    def verify_stage() -> VerifyReport:
        result.report = verify(session, region)
        return result.report

    hosts = _hosts_stage(session, region, backend, yes)
    listed = bool(region_manifest(session, region))
    if hosts is None:
        result.notes.append(f"`up` is stood in for: lab hosts hold {region}'s pools")
    stages = [
        Stage("validate", f"regionkit validate {region}", lambda: require_valid(session, region, "deployed")),
        *([hosts] if hosts else []),
        *([Stage("handover", f"regionkit handover {region}", lambda: _handover(session, region, result))] if listed else []),
        Stage("inventory", f"regionkit inventory {region}", lambda: region_hosts(session, region)),
        Stage("mirror sync", sync_resume, lambda: mirror_sync(session, region, artifacts)),
        # The stack's backend: AWS's node activations are read from the stack at bootstrap.
        Stage("bootstrap", f"regionkit bootstrap {region}{backend_opt}", lambda: bootstrap(session, region, backend=backend)),
        Stage("verify", f"regionkit verify {region}", verify_stage),
    ]
    for i, stage in enumerate(stages, 1):
        session.progress.stage(i, len(stages), stage.name)
        t = time.monotonic()
        try:
            code = stage()
        except RegionkitError as exc:
            code, result.error = exc.exit_code, exc
        if code != EXIT_OK:
            result.failed, result.exit_code = stage, code
            break
        result.stages.append((stage.name, time.monotonic() - t))
        session.progress.stage_done(stage.name, time.monotonic() - t)
    if result.failed is None and result.handover is not None and result.handover.exit_code != EXIT_OK:
        result.exit_code = result.handover.exit_code  # done, but not with every server the partner racked
    result.seconds = time.monotonic() - started
    return result
