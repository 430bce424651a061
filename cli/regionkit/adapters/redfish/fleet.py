"""Handover across many BMCs at once: a bounded pool of workers, one Redfish session per BMC, and
a sweep of the BMC range for services the manifest does not list."""

from __future__ import annotations

import errno
import selectors
import socket
import time
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


SWEEP_BATCH = 256  # connects in flight at once: each holds a file descriptor, and on-link an ARP entry


def open_ports(addresses: Sequence[str], port: int, timeout_s: float = 1.0, batch: int = SWEEP_BATCH) -> list[str]:
    """The addresses that accept a TCP connection on `port`, in their order.

    Non-blocking connects, `batch` at a time, each given `timeout_s`: an address nothing answers
    for (no ARP reply, a dropped SYN) costs the batch its timeout once, not one thread each, so a
    /22 of BMC addresses is swept in a few seconds."""
    found: set[str] = set()
    for start in range(0, len(addresses), batch):
        pending: dict[socket.socket, str] = {}
        with selectors.DefaultSelector() as sel:
            for address in addresses[start : start + batch]:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                err = sock.connect_ex((address, port))
                if err in (0, errno.EINPROGRESS):
                    pending[sock] = address
                    sel.register(sock, selectors.EVENT_WRITE)
                else:
                    sock.close()
            deadline = time.monotonic() + timeout_s
            while pending and (left := deadline - time.monotonic()) > 0:
                for key, _ in sel.select(timeout=left):
                    sock = key.fileobj  # type: ignore[assignment]
                    sel.unregister(sock)
                    address = pending.pop(sock)  # type: ignore[arg-type]
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:  # type: ignore[union-attr]
                        found.add(address)
                    sock.close()  # type: ignore[union-attr]
            for sock in pending:
                sock.close()
    return [a for a in addresses if a in found]


def sweep(
    addresses: Iterable[str],
    port: int,
    listed: set[str],
    options: FleetOptions = FleetOptions(),
) -> list[BmcReading]:
    """Redfish services on `addresses` that are not in `listed` (the manifest's BMC addresses):
    first which addresses accept a connection on the port, then one anonymous read of each."""
    todo = open_ports([a for a in addresses if a not in listed], port, timeout_s=min(options.timeout_s, 2.0))
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(todo) or 1)), thread_name_prefix="sweep") as pool:
        found = pool.map(lambda a: probe(a, port, timeout_s=min(options.timeout_s, 2.0)), todo)
        return [r for r in found if r is not None]
