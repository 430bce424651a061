"""Benchmark: `regionkit lab up` / `lab down` with a warm base image (needs root).

Targets (issue: the lab partner): up for 4 hosts under 15 s; down under 5 s; up for 16 hosts
under 45 s. Printed side by side: each figure against its target, and the 16-host time
against four times the 4-host time (how well boots overlap).

Run: sudo python tests/benchmarks/lab_cycle.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def regionkit(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "regionkit", "--root", str(REPO), *args], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    regionkit("lab", "down")
    warm = regionkit("lab", "up")  # builds the image if the recipe changed; not counted
    regionkit("lab", "down")
    print(f"warm-up up (image build included if needed): {warm:.1f} s")
    ups, downs = [], []
    for _ in range(3):
        ups.append(regionkit("lab", "up"))
        downs.append(regionkit("lab", "down"))
    up16 = regionkit("lab", "up", "--nodes", "16")
    down16 = regionkit("lab", "down")
    up4, down4 = min(ups), min(downs)
    print(f"lab up, 4 hosts:  {up4:.2f} s (best of 3; target 15 s; {up4 / 15:.0%} of it)")
    print(f"lab down:         {down4:.2f} s (best of 3; target 5 s; {down4 / 5:.0%} of it)")
    print(f"lab up, 16 hosts: {up16:.2f} s (target 45 s; {up16 / 45:.0%} of it); down {down16:.2f} s")
    print(f"16 hosts vs 4 x the 4-host time: {up16:.2f} s vs {4 * up4:.2f} s (ratio {up16 / (4 * up4):.2f})")
    figures = {
        "up_4_s": round(up4, 2),
        "down_s": round(down4, 2),
        "up_16_s": round(up16, 2),
        "down_16_s": round(down16, 2),
        "up16_over_4x_up4": round(up16 / (4 * up4), 2),
    }
    targets = {"up_4_s": 15.0, "down_s": 5.0, "up_16_s": 45.0}
    met = {k: figures[k] < v for k, v in targets.items()}
    print(json.dumps({"benchmark": "lab_cycle", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
