"""Handover across many BMCs at once: a bounded pool of workers, one Redfish session per BMC, and
a sweep of the BMC range for services the manifest does not list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from regionkit.adapters.redfish.pins import PinStore
from regionkit.adapters.redfish.reader import BmcTarget, probe, read_bmc
from regionkit.planning.handover import BmcReading

DEFAULT_WORKERS = 32  # BMCs read at once; a BMC serves one session well, many slowly


@dataclass(frozen=True)
class FleetOptions:
    workers: int = DEFAULT_WORKERS
    timeout_s: float = 10.0
    attempts: int = 3
    backoff_s: float = 0.5


def read_fleet(
    targets: Sequence[BmcTarget],
    pins: PinStore,
    options: FleetOptions = FleetOptions(),
    accept: Callable[[BmcTarget, BmcReading], bool] | None = None,
    progress: Callable[[BmcTarget, BmcReading], None] | None = None,
) -> list[BmcReading]:
    """One reading per target, in the targets' order. `accept` decides (for rotation) per target."""

    def one(target: BmcTarget) -> BmcReading:
        judge = (lambda reading: accept(target, reading)) if accept is not None else None
        reading = read_bmc(
            target,
            pins,
            timeout_s=options.timeout_s,
            attempts=options.attempts,
            backoff_s=options.backoff_s,
            accept=judge,
        )
        if progress is not None:
            progress(target, reading)
        return reading

    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(targets) or 1)), thread_name_prefix="bmc") as pool:
        return list(pool.map(one, targets))


def sweep(
    addresses: Iterable[str],
    port: int,
    listed: set[str],
    options: FleetOptions = FleetOptions(),
) -> list[BmcReading]:
    """Redfish services on `addresses` that are not in `listed` (the manifest's BMC addresses)."""
    todo = [a for a in addresses if a not in listed]
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers * 2, len(todo) or 1)), thread_name_prefix="sweep") as pool:
        found = pool.map(lambda a: probe(a, port, timeout_s=min(options.timeout_s, 2.0)), todo)
        return [r for r in found if r is not None]
