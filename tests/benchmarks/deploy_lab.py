"""Benchmark: `regionkit deploy lab` from nothing, with a warm base image and a warm apt cache
(needs root). Prints each stage's time, the total, and the 4-host verify time against its
90 s target.

Run: sudo python tests/benchmarks/deploy_lab.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    rk = [sys.executable, "-m", "regionkit", "--root", str(REPO)]
    subprocess.run([*rk, "lab", "down"], check=True, capture_output=True)
    t = time.perf_counter()
    proc = subprocess.run([*rk, "deploy", "lab"], capture_output=True, text=True)
    total = time.perf_counter() - t
    stages = {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^(lab up|mirror sync|bootstrap): done in ([0-9.]+) s", proc.stdout, re.M)
    }
    verify = re.search(r"passed, \d+ failed, \d+ not verified in ([0-9.]+) s", proc.stdout)
    stages["verify"] = float(verify.group(1)) if verify else float("nan")
    subprocess.run([*rk, "lab", "down"], check=True, capture_output=True)
    for name, seconds in stages.items():
        print(f"{name:12s} {seconds:6.1f} s")
    print(f"deploy lab from nothing: {total:.1f} s (exit {proc.returncode})")
    print(f"verify L0-L3 of 4 hosts: {stages['verify']:.1f} s vs target 90 s")
    figures = {"deploy_s": round(total, 1), **{f"{k.replace(' ', '_')}_s": v for k, v in stages.items()}}
    met = {"verify_4_hosts_s": stages["verify"] < 90, "deploy_exit_0": proc.returncode == 0}
    print(json.dumps({"benchmark": "deploy_lab", "figures": figures, "targets": {"verify_4_hosts_s": 90}, "met": met}))


if __name__ == "__main__":
    main()
