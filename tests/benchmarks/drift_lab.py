"""Benchmark: `regionkit drift lab --layers config,health` (needs root).

(a) a converged 4-host lab: target under 60 s; side by side with the baseline of running the two
    checks one after the other (`bootstrap --check` then `verify --level 2`), which is what a user
    had before drift ran them together;
(b) 1 host against 8 hosts: prints T(8)/T(1).

Run: sudo python tests/benchmarks/drift_lab.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def regionkit(*args: str, ok: tuple[int, ...] = (0,)) -> float:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "regionkit", "--root", str(REPO), *args], capture_output=True, text=True)
    if proc.returncode not in ok:
        raise SystemExit(f"regionkit {' '.join(args)}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - t


def drift(*extra: str) -> float:
    return regionkit("drift", "lab", "--layers", "config,health", "--format", "json", *extra)


def main() -> None:
    regionkit("lab", "down")
    regionkit("lab", "up")
    regionkit("handover", "lab")  # the lab's BMCs accept its hosts: bootstrap takes only handed-over servers
    regionkit("mirror", "sync", "lab")
    regionkit("bootstrap", "lab", "--format", "json")
    t4 = min(drift() for _ in range(2))
    check = ("bootstrap", "lab", "--check", "--format", "json")
    health = ("verify", "lab", "--level", "2", "--format", "json")
    serial = min(regionkit(*check) + regionkit(*health) for _ in range(2))
    print(f"(a) drift, 4 hosts: {t4:.1f} s (target < 60 s); the two checks one after the other: {serial:.1f} s (x{serial / t4:.2f})")
    regionkit("lab", "down")
    regionkit("lab", "up", "--nodes", "8")
    regionkit("handover", "lab")  # the lab's BMCs accept its hosts: bootstrap takes only handed-over servers
    regionkit("mirror", "sync", "lab")
    regionkit("bootstrap", "lab", "--format", "json")
    t8 = min(drift() for _ in range(2))
    t1 = min(drift("--limit", "laba-nv-01") for _ in range(2))
    regionkit("lab", "down")
    print(f"(b) drift: 1 host {t1:.1f} s, 8 hosts {t8:.1f} s (T(8)/T(1) = {t8 / t1:.2f})")
    figures = {"drift_4_s": round(t4, 1), "serial_4_s": round(serial, 1), "drift_1_s": round(t1, 1), "drift_8_s": round(t8, 1),
               "t8_over_t1": round(t8 / t1, 2)}  # fmt: skip
    print(json.dumps({"benchmark": "drift_lab", "figures": figures, "met": {"drift_4_under_60s": t4 < 60}}))


if __name__ == "__main__":
    main()
