"""Drift: the domain. Findings from the three layers and one exit code. Pure: the adapters hand
in typed engine steps (ResourceStep), the check-mode run's per-host results (HostResult) and the
acceptance checks (CheckResult); reports/ renders what this decides.

- cloud: steps of a `preview --refresh` (read-only). An update is drift per property, expected
  (the declaration) against actual (what refresh read); a create after refresh found nothing is
  a resource deleted out of band. The catalog's ignore list drops noisy properties.
- config: every task that check mode would change, with host, role, task and the diff.
- health: every failed check of verify's cheap levels.

Exit code: 1 if a layer could not run, else 3 if a host was unreachable (the picture is
incomplete), else 2 if anything drifted, else 0.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from regionkit.catalog.model import DriftIgnoreSpec
from regionkit.errors import EXIT_DRIFT, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from regionkit.planning.playbook import SiteRoles
from regionkit.planning.results import SECRET, CheckResult, HostResult, ResourceState, ResourceStep
from regionkit.planning.secrets import is_secret_name

SCHEMA_VERSION = 1
LAYERS = ("cloud", "config", "health")
STATUSES = ("clean", "drift", "unreachable", "error", "skipped", "not deployed")


@dataclass
class Finding:
    layer: str
    region: str
    subject: str  # resource URN, or host
    item: str  # property, role/task, or check
    message: str
    kind: str = "drift"  # drift | unreachable | error
    expected: Any = None
    actual: Any = None
    diff: str = ""
    reconcile: str = ""
    host: str = ""
    role: str = ""
    task: str = ""
    resource_type: str = ""


@dataclass
class LayerRun:
    layer: str
    region: str
    status: str = "clean"  # clean | drift | unreachable | error | skipped | not deployed
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # subjects/items checked and found as declared
    not_verified: list[str] = field(default_factory=list)  # "item: why"
    ignored: list[str] = field(default_factory=list)  # "urn property: reason"
    error: str = ""
    seconds: float = 0.0

    def settle(self) -> LayerRun:
        if self.status in ("skipped", "not deployed"):
            return self
        kinds = {f.kind for f in self.findings}
        if self.error or "error" in kinds:
            self.status = "error"
        else:
            self.status = "unreachable" if "unreachable" in kinds else "drift" if kinds else "clean"
        return self


@dataclass
class DriftReport:
    runs: list[LayerRun]
    started: str
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.runs for f in r.findings]

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.runs}
        if "error" in statuses:
            return EXIT_FAILED
        if "unreachable" in statuses:
            return EXIT_UNREACHABLE
        return EXIT_DRIFT if "drift" in statuses else EXIT_OK

    @property
    def verdict(self) -> str:
        return {EXIT_OK: "no drift", EXIT_DRIFT: "drift", EXIT_UNREACHABLE: "unreachable hosts", EXIT_FAILED: "error"}[self.exit_code]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (docs/schemas/drift-report.schema.json), before redaction (reports/redact.py)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "started": self.started,
            "seconds": round(self.seconds, 2),
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "summary": {s: sum(1 for r in self.runs if r.status == s) for s in STATUSES},
            "runs": [
                {
                    **{k: v for k, v in asdict(r).items() if k != "findings"},
                    "seconds": round(r.seconds, 2),
                    "findings": [asdict(f) for f in r.findings],
                }
                for r in self.runs
            ],
        }


# --- cloud ------------------------------------------------------------------------------------


def _lookup(state: dict[str, Any] | None, path: str) -> Any:
    """`a.b[0].c` in a resource's inputs/outputs; None where absent."""
    value: Any = state or {}
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _ignored(rules: list[DriftIgnoreSpec], region: str, rtype: str, prop: str) -> DriftIgnoreSpec | None:
    for rule in rules:
        if rule.regions and region not in rule.regions:
            continue
        if fnmatch.fnmatchcase(rtype, rule.type) and fnmatch.fnmatchcase(prop, rule.property):
            return rule
    return None


def _inputs(state: ResourceState | None) -> dict[str, Any]:
    return state.inputs if state else {}


def cloud_findings(region: str, steps: list[ResourceStep], rules: list[DriftIgnoreSpec], run: LayerRun) -> LayerRun:
    """Findings from the steps of a read-only `preview --refresh`, in the engine's order."""
    reconcile = f"regionkit up {region}"
    gone = {s.urn for s in steps if s.op == "refresh" and not (s.new and s.new.outputs)}
    for step in steps:
        if step.type.startswith("pulumi:") or step.op in ("refresh", "read", "discard", "create-replacement", "delete-replaced"):
            continue
        if step.op == "same":
            run.checked.append(step.urn)
            continue
        base = {"layer": "cloud", "region": region, "subject": step.urn, "resource_type": step.type, "reconcile": reconcile}
        what = f"{step.name} ({step.type})"
        if step.op == "create":
            message = f"{what} " + ("was deleted out of band" if step.urn in gone else "is declared but not deployed")
            run.findings.append(Finding(**base, item="(resource)", message=message, expected="exists", actual="absent"))
            continue
        if step.op == "delete":
            run.findings.append(
                Finding(
                    **base, item="(resource)", message=f"{what} is deployed but no longer declared", expected="absent", actual="exists"
                )
            )
            continue
        props = sorted(step.detailed_diff) or sorted(step.diffs)
        kept = 0
        for prop in props:
            rule = _ignored(rules, region, step.type, prop)
            if rule:
                run.ignored.append(f"{step.urn} {prop}: {rule.reason}")
                continue
            kept += 1
            expected = _lookup(_inputs(step.new), prop)
            actual = _lookup(_inputs(step.old), prop)
            if actual is None and step.old:
                actual = _lookup(step.old.outputs, prop)
            if is_secret_name(prop) or SECRET in (expected, actual):
                expected = actual = SECRET  # a secret property: say that it changed, never what to
            diff = step.detailed_diff.get(prop)
            replaced = step.op == "replace" or (diff is not None and diff.kind.endswith("replace"))
            verb = "would be replaced" if replaced else "changed out of band"
            message = f"{step.name}: {prop} {verb}: expected {_short(expected)}, found {_short(actual)}"
            run.findings.append(Finding(**base, item=prop, message=message, expected=expected, actual=actual))
        if not props:
            run.findings.append(Finding(**base, item="(resource)", message=f"{what}: {step.op} pending"))
        elif not kept:
            run.checked.append(step.urn)
    return run.settle()


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# --- config -----------------------------------------------------------------------------------


def config_findings(region: str, hosts: Mapping[str, HostResult], roles: SiteRoles, run: LayerRun) -> LayerRun:
    """Every task check mode would change (or that failed) on a reachable host, and every
    unreachable host; the hosts with neither were checked and are as declared."""
    for host, result in sorted(hosts.items()):
        if result.unreachable:
            why = "; ".join(result.messages)[:300] or "unreachable"
            run.findings.append(
                Finding("config", region, host, "(host)", f"{host} is unreachable: {why}", kind="unreachable", host=host,
                        reconcile=f"check the host, then: regionkit drift {region} --layers config")
            )  # fmt: skip
            continue
        for t in result.tasks:
            tags = roles.tags_for(t.role)
            reconcile = f"regionkit bootstrap {region} --limit {host}" + (f" --tags {tags}" if tags else "")
            what = "check failed" if t.outcome == "failed" else "would change"
            items = f" ({', '.join(t.items)})" if t.items else ""
            message = f"{host} {t.role}: {t.task!r}{items} {what}" + (f": {t.message}" if t.message else "")
            run.findings.append(
                Finding("config", region, host, f"{t.role}/{t.task}", message, diff=t.diff, reconcile=reconcile,
                        host=host, role=t.role, task=t.task)
            )  # fmt: skip
        if not result.tasks:
            run.checked.append(host)
    return run.settle()


# --- health -----------------------------------------------------------------------------------


# What each recommended action (regionkit.health's resolution buckets) asks of an operator.
_DO = {
    "drain": "drain {host} and investigate",
    "reset the device": "drain {host} and reset the device",
    "reboot": "drain {host} and reboot it",
    "replace": "drain {host} and replace the part (RMA)",
}


def health_reconcile(region: str, check: CheckResult, roles: SiteRoles) -> str:
    """How to bring a failed check back: the recommended action of the tool output it judged,
    then the re-check; else the role that owns what it looks at; else inspect."""
    recheck = f"regionkit verify {region} --level {check.level}" + (f" --limit {check.host}" if check.host else "")
    if check.outcome == "unreachable":
        return f"check the host, then: regionkit drift {region} --layers health"
    if check.actions:
        first, *others = check.actions
        if first == "re-run":
            return f"re-run the check: {recheck}"
        also = f" (also recommended: {', '.join(others)})" if others else ""
        return f"{_DO.get(first, first).format(host=check.host or 'the hosts')}{also}, then: {recheck}"
    if check.role:
        return f"regionkit bootstrap {region} --limit {check.host} --tags {roles.tags_for(check.role)}"
    return f"inspect the device; re-check: {recheck}"


def health_findings(region: str, checks: list[CheckResult], roles: SiteRoles, run: LayerRun) -> LayerRun:
    """Failed checks as findings, each with the role that owns what it looks at (as the check
    declares it) and the command that reconciles it, led by the recommended action where the
    check judged tool output; a warning shows on its checked line; not-verified checks listed,
    never clean."""
    for c in checks:
        label = f"{c.host or 'all'} L{c.level} {c.name}"
        if c.outcome == "passed":
            run.checked.append(f"{label} (warn: {'; '.join(c.notes)})" if c.notes else label)
        elif c.outcome == "not verified":
            run.not_verified.append(f"{label}: {c.detail}")
        else:
            verdict = f"{c.verdict}: " if c.verdict in ("fail", "unknown") else ""
            kind = "unreachable" if c.outcome == "unreachable" else "drift"
            message, reconcile = f"{label}: {verdict}{c.detail}", health_reconcile(region, c, roles)
            run.findings.append(
                Finding("health", region, c.host, c.name, message, reconcile=reconcile, host=c.host, role=c.role, kind=kind)
            )
    return run.settle()
