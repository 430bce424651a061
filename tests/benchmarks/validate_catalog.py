"""Benchmark: `regionkit validate` on the shipped catalog and on generated fleets.

Targets (issue: fleet catalog): shipped catalog < 1 s wall through the CLI; 200 regions x 4
zones x 4 pools < 5 s; cost grows no worse than linearly (T(200)/T(50) near 4). Baseline, side
by side in the same run: the naive pairwise overlap check over the same ranges, against the
sort-and-sweep that validate uses.

Run: python tests/benchmarks/validate_catalog.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "cli"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import datetime as dt  # noqa: E402

from _timing import best_of  # noqa: E402

from regionkit.catalog.load import SHARED_FILES, load_catalog  # noqa: E402
from regionkit.catalog.validate import Context, _zone_subnets, check_overlaps, validate  # noqa: E402

POOL = """  - name: p{p}
    zone: {key}{z}
    accelerator: PPU-810E
    servers: 8
    servers_per_rack: 4
    software: {{driver: "1.6.2", toolkit: "1.6", collectives: "1.6.2"}}
"""


def region_yaml(i: int) -> str:
    key = f"zz-gen-{i}"
    a, b = divmod(i, 256)
    pre = f"{10 + a}.{b}"
    zones = "".join(
        f"""  - id: {key}{z}
    facility: "equinix:FR5"
    cloud_zone: eu-central-1{z}
    contracted_kw: 1000
    network:
      management: {pre}.{n * 32}.0/22
      bmc: {pre}.{n * 32 + 4}.0/22
      storage: {pre}.{n * 32 + 8}.0/22
      fabric: {pre}.{n * 32 + 16}.0/20
"""
        for n, z in enumerate("abcd")
    )
    pools = "".join(POOL.format(p=p, key=key, z=z) for z in "abcd" for p in range(4))
    return f"""key: {key}
name: Generated {i}
metro: Frankfurt
country: DE
jurisdiction: EU
status: live
cloud: {{backend: alicloud, region_id: eu-central-1}}
network: {{supernet: {pre}.0.0/16, monitoring: {pre}.240.0/24, interconnect: {pre}.250.0/24, vpc: {pre}.224.0/24}}
zones:
{zones}pools:
{pools}packages: {{proxy: {pre}.0.2}}
residency: {{data_regions: [eu-central-1]}}
"""


def make_fleet(n: int, where: Path) -> Path:
    inv = where / "inventories"
    inv.mkdir(parents=True)
    for f in SHARED_FILES:
        shutil.copy(REPO / "inventories" / f, inv / f)
    for i in range(n):
        (inv / f"zz-gen-{i}").mkdir()
        (inv / f"zz-gen-{i}" / "region.yml").write_text(region_yaml(i))
    return where


def pairwise_overlaps(catalog) -> int:  # type: ignore[no-untyped-def]
    """Baseline: every range against every other, O(n^2)."""
    ranges = [r.network.supernet for r in catalog.regions.values()]
    for r in catalog.regions.values():
        ranges += [net for _, net in _zone_subnets(r)]
    return sum(a.overlaps(b) for a, b in combinations(ranges, 2))


def main() -> None:
    cli = [sys.executable, "-m", "regionkit", "validate"]
    env_root = ["--root", str(REPO)]
    t_cli = best_of(lambda: subprocess.run([*cli[:3], *env_root, "validate"], check=True, capture_output=True), 3)
    print(f"shipped catalog, CLI end to end (process start included): {t_cli:.3f} s")

    figures: dict[str, float] = {"shipped_cli_s": round(t_cli, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (50, 100, 200):
            root = make_fleet(n, Path(tmp) / str(n))
            t = best_of(lambda root=root: validate(load_catalog(root)), 3)
            catalog = load_catalog(root)
            t_sweep = best_of(lambda catalog=catalog: check_overlaps(Context(catalog, dt.date.today())), 3)
            t_pair = best_of(lambda catalog=catalog: pairwise_overlaps(catalog), 1)
            ranges = n * 17
            print(
                f"{n:4d} regions x 4 zones x 4 pools: load+validate {t:.3f} s | overlap check over {ranges} ranges: "
                f"sweep {t_sweep * 1000:.1f} ms vs pairwise baseline {t_pair * 1000:.1f} ms "
                f"({t_pair / t_sweep:.0f}x)"
            )
            figures[f"validate_{n}_s"] = round(t, 3)
            figures[f"overlap_sweep_{n}_ms"] = round(t_sweep * 1000, 2)
            figures[f"overlap_pairwise_{n}_ms"] = round(t_pair * 1000, 2)
        t200 = subprocess.run(
            [*cli[:3], "--root", str(Path(tmp) / "200"), "validate", "--format", "json"],
            capture_output=True,
            check=False,
        )
        assert t200.returncode == 0, t200.stderr.decode()
    growth = figures["validate_200_s"] / figures["validate_50_s"]
    figures["growth_200_over_50"] = round(growth, 2)
    print(f"growth T(200)/T(50) = {growth:.2f} (linear = 4.0)")
    targets = {"shipped_cli_s": 1.0, "validate_200_s": 5.0, "growth_200_over_50": 5.0}
    met = {k: figures[k] < v for k, v in targets.items()}
    print(json.dumps({"benchmark": "validate_catalog", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
