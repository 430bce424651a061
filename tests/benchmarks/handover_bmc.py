"""Benchmark: `regionkit handover` over 200 emulated BMCs on loopback.

Target (issue 24): the handover of all 200 (Redfish read of identity, processors, BIOS, chassis,
BMC MAC and firmware inventory, then the decision) finishes in under 60 s on this machine. Printed
side by side in the same run: T(20) and T(200) and their ratio (linear = 10; the pool of workers
should keep it well under). The emulated BMCs run in a separate process (one per fleet size), on
their own loopback addresses, with TLS, session login and first-contact pinning, as real BMCs.

Run: python tests/benchmarks/handover_bmc.py
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "cli"))

from regionkit.adapters.redfish.emulator import free_port, identity_from_manifest, loopback_addresses  # noqa: E402
from regionkit.adapters.redfish.fleet import FleetOptions, read_fleet  # noqa: E402
from regionkit.adapters.redfish.pins import PinStore  # noqa: E402
from regionkit.adapters.redfish.reader import BmcTarget  # noqa: E402
from regionkit.adapters.redfish.secrets import Credentials, Secret  # noqa: E402
from regionkit.catalog.load import load_catalog  # noqa: E402
from regionkit.catalog.model import HandoverSpec  # noqa: E402
from regionkit.planning.handover import decide  # noqa: E402

MODEL = "supermicro-sys-821ge-tnhr"


def manifest(n: int, addresses: list[str]) -> list[HandoverSpec]:
    return [
        HandoverSpec(
            hostname=f"zz-bench-1a-h20-{i + 1:03d}",
            management_address=f"10.250.{i // 200}.{11 + i % 200}",  # type: ignore[arg-type]
            bmc_address=addresses[i],  # type: ignore[arg-type]
            bmc_mac=f"02:00:00:00:{i // 256:02x}:{i % 256:02x}",
            serial=f"SN-BENCH-{i:05d}",
            model=MODEL,
            rack=f"R{i // 2:03d}",
            u=10 + 8 * (i % 2),
        )
        for i in range(n)
    ]


def run(n: int, base: str) -> tuple[float, int]:
    catalog = load_catalog(REPO)
    model = catalog.servers.models[MODEL]
    addresses = loopback_addresses(n, base)
    port = free_port(addresses[0])
    password = secrets.token_urlsafe(16)
    entries = manifest(n, addresses)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bmcs.json"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        identities = [
            asdict(identity_from_manifest(e, model, username="ADMIN", password=password, port=port, accelerator_model="NVIDIA H20"))
            for e in entries
        ]
        with os.fdopen(fd, "w") as out:
            json.dump({"bmcs": identities}, out)
        env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
        emulator = subprocess.Popen(
            [sys.executable, "-m", "regionkit.adapters.redfish.emulator", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert emulator.stdout is not None and emulator.stdout.readline().startswith("ready"), "emulator did not start"
            pins = PinStore(Path(tmp) / "pins")
            targets = [BmcTarget(e.hostname, str(e.bmc_address), port, Credentials("ADMIN", Secret(password))) for e in entries]
            t = time.perf_counter()
            readings = read_fleet(targets, pins, FleetOptions(workers=32, timeout_s=10, attempts=3, backoff_s=0.2))
            results = [decide(e, model, r) for e, r in zip(entries, readings, strict=True)]
            elapsed = time.perf_counter() - t
        finally:
            assert emulator.stdin is not None
            emulator.stdin.close()
            emulator.wait(timeout=30)
    accepted = sum(r.verdict == "accepted" for r in results)
    return elapsed, accepted


def main() -> None:
    t20, ok20 = run(20, "127.78.0.0")
    print(f" 20 BMCs: {t20:6.2f} s ({ok20} accepted)")
    t200, ok200 = run(200, "127.78.1.0")
    print(f"200 BMCs: {t200:6.2f} s ({ok200} accepted)")
    ratio = t200 / t20
    print(f"T(200)/T(20) = {ratio:.2f} (linear = 10)")
    figures = {
        "handover_20_s": round(t20, 2),
        "handover_200_s": round(t200, 2),
        "ratio_200_over_20": round(ratio, 2),
        "accepted_200": ok200,
    }
    targets = {"handover_200_s": 60.0, "accepted_200": 200}
    met = {"handover_200_s": t200 < 60.0, "accepted_200": ok200 == 200}
    print(json.dumps({"benchmark": "handover_bmc", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
