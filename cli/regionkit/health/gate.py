"""From verdicts to an acceptance gate: what a check that judged tool output decides.

`verify` L2/L3 and drift's health layer read every device and collective tool through
:func:`regionkit.health.judge`; this module turns what the reports say into the check's
outcome, with the same rule everywhere:

- ``pass`` and ``warn`` pass; a warning's findings travel with the check (its notes), so the
  report shows them;
- ``fail`` and ``unknown`` fail: an output that proves nothing is never counted as passed;
- a pool expectation the output does not meet (count, model, persistence, NVLink) fails the
  check with the action its caller names.

The gate carries the recommended actions (the findings' resolution buckets, the heaviest
first), which the verify report shows and drift writes into each finding's reconcile text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regionkit.health.model import Action, Finding, HealthReport, Severity, Verdict

# Heaviest first: the first action is what an operator does before anything else.
_WEIGHT = {Action.REPLACE: 5, Action.REBOOT: 4, Action.RESET: 3, Action.DRAIN: 2, Action.RERUN: 1, Action.NONE: 0}
_SEVERITY_OF = {Verdict.FAIL: Severity.FAIL, Verdict.UNKNOWN: Severity.UNKNOWN, Verdict.WARN: Severity.WARN}
_RANK = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.UNKNOWN: 2, Verdict.FAIL: 3}


@dataclass(frozen=True)
class Gate:
    """One check's decision on the outputs it judged.

    ``reasons``: one line per finding (or unmet expectation) that decided a fail or unknown;
    ``notes``: the warnings, shown with a check that passed; ``actions``: what to do, heaviest
    first (empty when nothing is to be done)."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict in (Verdict.PASS, Verdict.WARN)

    @property
    def message(self) -> str:
        """The check's one line: why it failed, or the warnings it passed with ("" for a clean pass)."""
        return "; ".join(self.reasons if not self.passed else self.notes)

    def properties(self) -> list[tuple[str, str]]:
        """What the check records for the report (JUnit properties): its verdict, each action
        and each note."""
        return [("verdict", str(self.verdict)), *(("action", a) for a in self.actions), *(("note", n) for n in self.notes)]


def gate(*reports: HealthReport, problems: Sequence[str] = (), problem_action: Action = Action.DRAIN) -> Gate:
    """The gate over ``reports`` (the outputs one check judged) and the pool ``problems`` they
    leave unmet (:func:`regionkit.health.expectation_problems`), which fail the check with
    ``problem_action``. The verdict is the worst report's, or ``fail`` when a problem remains."""
    verdict = max((r.verdict for r in reports), key=_RANK.__getitem__, default=Verdict.PASS)
    # expectation_problems repeats a failed report's reasons first: each is said once, below.
    said = {reason for r in reports for reason in r.reasons}
    own = [p for p in dict.fromkeys(problems) if p not in said]
    if own:
        verdict = Verdict.FAIL
    deciding = _SEVERITY_OF.get(verdict)
    decided = [(r.kind, f) for r in reports for f in r.findings if f.severity == deciding]
    actions = {f.action for _, f in decided} | ({problem_action} if own else set())
    reasons = [_line(kind, f) for kind, f in decided] if verdict != Verdict.WARN else []
    return Gate(
        verdict=verdict,
        reasons=tuple(dict.fromkeys(reasons + own)),
        notes=tuple(dict.fromkeys(_line(r.kind, f) for r in reports for f in r.findings if f.severity == Severity.WARN)),
        actions=tuple(str(a) for a in sorted(actions - {Action.NONE}, key=_WEIGHT.__getitem__, reverse=True)),
    )


def refuse(reason: str, action: Action) -> Gate:
    """A check that fails before any output could be judged (the device node, the driver or the
    tool is missing on a host whose pool declares devices)."""
    return Gate(Verdict.FAIL, reasons=(reason,), actions=(str(action),) if action != Action.NONE else ())


def _line(kind: str, f: Finding) -> str:
    where = f"{f.device}: " if f.device else ""
    return f"{kind}: {where}{f.what} ({f.action})"
