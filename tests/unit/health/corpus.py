"""The captured outputs under tests/fixtures (real ones with SOURCES.md rows, and the
synthetic T-Head ones), and the shape of one table-test case. Each test module lists the
captures of its parser with the verdict, device count and bus bandwidth the output shows: they
were decided by reading the output, not by running the parser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regionkit.health import HealthReport, judge

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@dataclass(frozen=True)
class Case:
    kind: str
    verdict: str
    devices: int | None
    busbw: float | None = None
    ranks: int | None = None


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def run(name: str, case: Case) -> HealthReport:
    return judge(case.kind, text(name), ranks=case.ranks)


def captures() -> set[str]:
    """Every capture in the repository (real and synthetic), relative to tests/fixtures."""
    return {
        str(p.relative_to(FIXTURES))
        for top in ("real", "synthetic")
        for p in (FIXTURES / top).glob("*/*")
        if p.is_file() and p.suffix != ".md"
    }


def check(name: str, case: Case) -> None:
    report = run(name, case)
    got = (str(report.verdict), report.device_count)
    assert got == (case.verdict, case.devices), [f.to_dict() for f in report.findings]
    if case.busbw is None:
        assert report.busbw_gbps is None
    else:
        assert abs((report.busbw_gbps or 0) - case.busbw) < 1e-6 * max(1.0, case.busbw), report.busbw_gbps
    blocking = {"fail": "fail", "unknown": "unknown", "warn": "warn"}.get(case.verdict)
    if blocking:  # the verdict rests on at least one finding of that severity, with an action
        assert any(str(f.severity) == blocking and str(f.action) for f in report.findings)
