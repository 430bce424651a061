"""Parsers for collective benchmarks: nccl-tests and rccl-tests (same format), and Huawei's
hccl_test. Each run is classified: pass, fail (the test did not run to the end), or wrong data
(it ran, but results were wrong). Bus bandwidth follows nccl-tests: busbw = algbw x 2(n-1)/n
for all-reduce; hccl_test reports only algorithm bandwidth, so it is converted the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["pass", "fail", "wrong-data"]

_FAILURE = re.compile(r"Test (?:NCCL |CUDA |HIP |RCCL )?failure|hccl interface return err|retcode: \d+|error in init", re.I)
_OOB = re.compile(r"# Out of bounds values\s*:\s*(\d+)\s+(OK|FAILED)")
_AVG = re.compile(r"# Avg bus bandwidth\s*:\s*([0-9.]+)")
_TEST = re.compile(r"# Collective test starting: (\S+)")


def busbw_allreduce(algbw_gbps: float, ranks: int) -> float:
    """nccl-tests' all-reduce bus bandwidth: algbw x 2(n-1)/n."""
    return algbw_gbps * 2 * (ranks - 1) / ranks if ranks > 1 else algbw_gbps


@dataclass(frozen=True)
class SizeResult:
    bytes: int
    algbw_gbps: float
    busbw_gbps: float
    wrong: int  # wrong elements (nccl-tests #wrong, both places); 0 for hccl success


@dataclass
class CollectiveResult:
    """One collective test (one binary's section of a log)."""

    test: str
    rows: list[SizeResult] = field(default_factory=list)
    avg_busbw_gbps: float | None = None
    out_of_bounds: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if self.errors and not self.rows:
            return "fail"
        if any(r.wrong for r in self.rows) or (self.out_of_bounds or 0) > 0:
            return "wrong-data"
        if self.errors or not self.rows:
            return "fail"
        return "pass"

    @property
    def peak_busbw_gbps(self) -> float:
        return max((r.busbw_gbps for r in self.rows), default=0.0)


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_nccl_tests(text: str) -> list[CollectiveResult]:
    """Every test section of an nccl-tests / rccl-tests log, in order."""
    results: list[CollectiveResult] = []

    def current() -> CollectiveResult:
        # Older logs (and rccl-tests) have no "Collective test starting" line: one implicit section.
        if not results:
            results.append(CollectiveResult("unknown"))
        return results[-1]

    for line in text.splitlines():
        if m := _TEST.search(line):
            results.append(CollectiveResult(m.group(1)))
            continue
        if _FAILURE.search(line):
            current().errors.append(line.strip())
            continue
        if m := _OOB.search(line):
            current().out_of_bounds = int(m.group(1))
            continue
        if m := _AVG.search(line):
            current().avg_busbw_gbps = float(m.group(1))
            continue
        fields = line.split()
        if line.startswith("#") or len(fields) < 9 or not fields[0].isdigit():
            continue
        # The last eight columns: time algbw busbw #wrong, out-of-place then in-place.
        oop, inp = fields[-8:-4], fields[-4:]
        algbw, busbw = _num(oop[1]), _num(oop[2])
        if algbw is None or busbw is None:
            continue
        wrong = sum(int(w) for w in (oop[3], inp[3]) if w.isdigit())
        current().rows.append(SizeResult(int(fields[0]), algbw, busbw, wrong))
    return results or [CollectiveResult("unknown", errors=["no result table in the output"])]


def parse_hccl_test(text: str, ranks: int) -> CollectiveResult:
    """hccl_test's table (data_size | avg_time | alg_bandwidth | check_result); busbw from algbw."""
    result = CollectiveResult("hccl_test")
    for line in text.splitlines():
        if _FAILURE.search(line):
            result.errors.append(line.strip())
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 4 or not cells[0].isdigit():
            continue
        algbw = _num(cells[2])
        if algbw is None:
            continue
        ok = cells[3].lower() == "success"
        result.rows.append(SizeResult(int(cells[0]), algbw, busbw_allreduce(algbw, ranks), 0 if ok else 1))
    return result
