"""Pure health verdicts for accelerator tool output (NVIDIA, AMD, Huawei Ascend, T-Head).

No engine, no file I/O, no subprocess: a caller captures a tool's output and hands the text in.

- :func:`judge` (``regionkit.health.registry``) parses one output of a KIND into a
  :class:`HealthReport` with a fail-closed verdict, findings and recommended actions;
- :func:`expectation_problems` checks a pool's expectations (count, model, persistence,
  NVLink) apart from health.
"""

from regionkit.health.model import (
    Action,
    Device,
    Finding,
    HealthReport,
    PoolExpectation,
    Severity,
    Verdict,
    expectation_problems,
    model_matches,
)
from regionkit.health.registry import KINDS, MissingRanksError, UnknownKindError, judge

__all__ = [
    "KINDS",
    "Action",
    "Device",
    "Finding",
    "HealthReport",
    "MissingRanksError",
    "PoolExpectation",
    "Severity",
    "UnknownKindError",
    "Verdict",
    "expectation_problems",
    "judge",
    "model_matches",
]
