"""What the benchmarks share: best-of-N wall time."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], n: int) -> float:
    """The fastest of n runs, in seconds (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
