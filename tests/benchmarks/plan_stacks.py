"""Benchmark: `regionkit plan` under Pulumi's mock runtime.

Targets (issue: region stacks): `regionkit plan --all` under 10 s on this machine (process start
included); a generated region with 10x the zones and pools costs under 10x the time of the
base region (same run, side by side).

Run: python tests/benchmarks/plan_stacks.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "cli"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import best_of  # noqa: E402

from regionkit.adapters.pulumi.mock_engine import synthesize  # noqa: E402
from regionkit.catalog.load import SHARED_FILES  # noqa: E402


def region_yaml(key: str, zones: int, pools_per_zone: int, first_octet: int = 40) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    zone_text, pool_text = "", ""
    for n in range(zones):
        base = n * 32  # /19 per zone inside a /14 supernet
        second, third = divmod(base, 256)
        pre = f"10.{first_octet + second}"
        zone_text += f"""  - id: {key}{letters[n]}
    facility: "equinix:FR5"
    cloud_zone: eu-central-1{letters[n]}
    contracted_kw: 5000
    link: {{state: enabled, location: ap-bench-{n}, port: 10GBase-LR, vlan_id: {100 + n}, peer_asn: 64600}}
    network:
      management: {pre}.{third}.0/22
      storage: {pre}.{third + 8}.0/22
      fabric: {pre}.{third + 16}.0/20
"""
        for p in range(pools_per_zone):
            pool_text += f"""  - name: p{p}
    zone: {key}{letters[n]}
    accelerator: PPU-810E
    servers: 4
    servers_per_rack: 4
    software: {{driver: "1.6.2", toolkit: "1.6", collectives: "1.6.2"}}
"""
    return f"""key: {key}
name: Bench
metro: Frankfurt
country: DE
jurisdiction: EU
status: live
cloud: {{backend: alicloud, region_id: eu-central-1, zones: [eu-central-1a, eu-central-1b]}}
network:
  supernet: 10.{first_octet}.0.0/14
  monitoring: 10.{first_octet + 3}.240.0/24
  interconnect: 10.{first_octet + 3}.250.0/24
  vpc: 10.{first_octet + 3}.224.0/24
zones:
{zone_text}pools:
{pool_text}packages: {{proxy: 10.{first_octet}.0.2}}
residency: {{data_regions: [eu-central-1]}}
"""


def main() -> None:
    cmd = [sys.executable, "-m", "regionkit", "--root", str(REPO), "plan", "--all", "--format", "json"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    t_all = time.perf_counter() - t0
    print(f"regionkit plan --all (5 regions, process start included): {t_all:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inv = root / "inventories"
        inv.mkdir()
        for f in SHARED_FILES:
            shutil.copy(REPO / "inventories" / f, inv / f)
        shutil.copytree(REPO / "stacks", root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
        for key, zones, first in (("zz-bnc-1", 2, 40), ("zz-bnc-2", 20, 44)):
            (inv / key).mkdir()
            (inv / key / "region.yml").write_text(region_yaml(key, zones, 2, first))
        synthesize(root / "stacks", "zz-bnc-1")  # warm imports once, for both
        t_small = best_of(lambda: synthesize(root / "stacks", "zz-bnc-1"), 5)
        small_n = len(synthesize(root / "stacks", "zz-bnc-1").resources)
        t_big = best_of(lambda: synthesize(root / "stacks", "zz-bnc-2"), 5)
        big_n = len(synthesize(root / "stacks", "zz-bnc-2").resources)
    ratio = t_big / t_small
    print(f"base region 2 zones x 2 pools: {small_n} resources in {t_small:.3f} s")
    print(f"10x region 20 zones x 2 pools each (10x the zones, 10x the pools): {big_n} resources in {t_big:.3f} s")
    print(f"time ratio {ratio:.1f} for {big_n / small_n:.1f}x the resources (target: under 10x the time)")
    figures = {
        "plan_all_s": round(t_all, 2),
        "base_s": round(t_small, 3),
        "base_resources": small_n,
        "ten_x_s": round(t_big, 3),
        "ten_x_resources": big_n,
        "time_ratio": round(ratio, 2),
    }
    targets = {"plan_all_s": 10.0, "time_ratio": 10.0}
    met = {k: figures[k] < v for k, v in targets.items()}
    print(json.dumps({"benchmark": "plan_stacks", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
