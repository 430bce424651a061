"""Benchmark: the health layer at fleet size (needs root and the lab mutex).

On a converged 8-host lab, the health layer on 1 host and on 8 hosts, side by side in the same
run, two ways:

- drift's health layer (`regionkit drift lab --layers health`: verify's levels 0-2);
- `regionkit verify lab --level 2`;

each with the hosts checked at once (the default) and the way before as the baseline
(`REGIONKIT_CHECK_WORKERS=1`: one pytest process over every host in turn, one SSH connection per
command). Target:
8 hosts cost at most 3 times 1 host (T(8)/T(1) <= 3) checked at once; the issue measured 6.5
for drift's health layer the sequential way.

Run: flock /run/regionkit-lab-session.lock .venv/bin/python tests/benchmarks/health_layer.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ONE = "laba-nv-01"
RUNS = 2  # best of
TARGET = 3.0


def regionkit(*args: str, ok: tuple[int, ...] = (0,), workers: str | None = None) -> float:
    env = {**os.environ}
    env.pop("REGIONKIT_CHECK_WORKERS", None)
    if workers:
        env["REGIONKIT_CHECK_WORKERS"] = workers
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "regionkit", "--root", str(REPO), *args], capture_output=True, text=True, env=env)
    if proc.returncode not in ok:
        raise SystemExit(f"regionkit {' '.join(args)}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - t


COMMANDS = {
    "drift_health": ("drift", "lab", "--layers", "health", "--format", "json"),
    "verify_l2": ("verify", "lab", "--level", "2", "--format", "json"),
}
# The way before (the baseline), the default (two processes per CPU), and 8 processes for comparison.
MODES = {"sequential": "1", "at_once": None, "at_once_8": "8"}


def measure() -> dict[str, float]:
    """Best of RUNS for every command, mode and size; the sizes and modes interleaved, so a slow
    moment of the machine does not land on one side only."""
    best: dict[str, float] = {}
    for _ in range(RUNS):
        for name, args in COMMANDS.items():
            for mode, workers in MODES.items():
                for size, limit in (("1", ("--limit", ONE)), ("8", ())):
                    key = f"{name}_{mode}_{size}_s"
                    best[key] = min(best.get(key, float("inf")), regionkit(*args, *limit, workers=workers))
    return best


def main() -> None:
    regionkit("lab", "down")
    regionkit("lab", "up", "--nodes", "8")
    regionkit("handover", "lab")  # the lab's BMCs accept its hosts: bootstrap takes only handed-over servers
    try:
        regionkit("mirror", "sync", "lab")
        regionkit("bootstrap", "lab", "--format", "json")
        regionkit(*COMMANDS["verify_l2"])  # warm: the SSH connections are open for both ways alike
        best = measure()
    finally:
        regionkit("lab", "down")
    figures: dict[str, float] = {k: round(v, 1) for k, v in best.items()}
    met: dict[str, bool] = {}
    targets: dict[str, float] = {}
    for name in COMMANDS:
        for mode in MODES:
            t1, t8 = best[f"{name}_{mode}_1_s"], best[f"{name}_{mode}_8_s"]
            figures[f"{name}_{mode}_t8_over_t1"] = round(t8 / t1, 2)
            print(f"{name:13s} {mode:10s}: 1 host {t1:5.1f} s, 8 hosts {t8:5.1f} s, T(8)/T(1) = {t8 / t1:.2f}")
        at_once, sequential = best[f"{name}_at_once_8_s"], best[f"{name}_sequential_8_s"]
        figures[f"{name}_8_speedup"] = round(sequential / at_once, 2)
        print(f"{name:13s} 8 hosts at once vs sequential: {at_once:.1f} s vs {sequential:.1f} s (x{sequential / at_once:.2f})")
        targets[f"{name}_at_once_t8_over_t1"] = TARGET
        met[f"{name}_at_once_t8_over_t1"] = figures[f"{name}_at_once_t8_over_t1"] <= TARGET
    print(json.dumps({"benchmark": "health_layer", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
