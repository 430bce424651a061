"""What the engines observed, as the rest of regionkit reads it: the typed contracts adapters
hand over. The adapters translate each engine's own format (ansible-runner events, Pulumi engine
events, pytest's JUnit) into these; nothing above them reads an engine's format. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# --- Ansible (adapters/ansible/runner.py) -----------------------------------------------------

TaskOutcome = Literal["changed", "failed"]


@dataclass(frozen=True)
class TaskResult:
    """One task that changed something (or would, in check mode) or failed, on one host."""

    role: str  # the role the task belongs to; "play" for a play-level task
    task: str
    action: str
    outcome: TaskOutcome
    diff: str = ""  # the module's diff as text ("" when it gave none, a note when withheld)
    message: str = ""  # a failed task's message
    items: tuple[str, ...] = ()  # a loop task's items that changed (or failed)


@dataclass
class HostResult:
    """One host's run: counts from the runner's stats, and what changed or failed."""

    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    roles: dict[str, str] = field(default_factory=dict)  # role -> ok | changed | failed | unreachable
    messages: list[str] = field(default_factory=list)  # "task: message" of failed or unreachable results
    tasks: list[TaskResult] = field(default_factory=list)


# --- Pulumi (adapters/pulumi/engine.py) -------------------------------------------------------

SECRET = "[secret]"  # what a secret value becomes when an adapter hands over engine state


@dataclass(frozen=True)
class ResourceState:
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class PropertyDiff:
    kind: str  # add | update | delete | add-replace | update-replace | delete-replace
    input_diff: bool = True


@dataclass(frozen=True)
class ResourceStep:
    """One step of an engine operation on one resource (preview, refresh, up)."""

    op: str  # same | create | update | delete | replace | refresh | read | ...
    urn: str
    type: str
    old: ResourceState | None = None
    new: ResourceState | None = None
    diffs: tuple[str, ...] = ()
    detailed_diff: dict[str, PropertyDiff] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


# --- acceptance checks (adapters/testinfra/suites.py) ------------------------------------------

CheckOutcome = Literal["passed", "failed", "not verified", "unreachable"]


@dataclass(frozen=True)
class CheckResult:
    """One acceptance check on one host ("" for checks across hosts).

    A check that judged tool output (L2 devices, L3 collectives) also carries the health
    verdict (pass, warn, fail, unknown: regionkit.health), the recommended actions, heaviest
    first, and the warnings it passed with."""

    host: str
    level: int
    name: str
    outcome: CheckOutcome
    detail: str = ""
    role: str = ""  # the role that owns what the check looks at, as the check declares it ("": hardware)
    verdict: str = ""  # the health verdict ("" for checks that judge no tool output)
    actions: tuple[str, ...] = ()  # re-run | drain | reset the device | reboot | replace
    notes: tuple[str, ...] = ()  # warnings of a check that passed
    by_design: bool = False  # not verified because the host has no devices by design (its inventory says so)
