"""L3: a multi-node all-reduce across every host of the run, one rank per host, with correct
results, bus bandwidth per message size, and the pool's floor (or, without one, a share of the
link throughput measured as a ring with iperf3: every host sends to the next at once, as the ring
all-reduce does, so hosts that share CPUs or uplinks are measured under the same load)."""

from __future__ import annotations

import json
import os
import statistics
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import testinfra

from regionkit.health import Action, Device, HealthReport
from regionkit.health.gate import gate
from regionkit.planning.acceptance import CollectiveAcceptance, floor_for

from .conftest import decide, inventory_vars

LEVEL = 3

SIZES = "1M,16M,64M"


@pytest.fixture(scope="module")
def all_hosts(request: pytest.FixtureRequest) -> list[Any]:
    spec = request.config.getoption("hosts") or "ansible://all"
    hosts = testinfra.get_hosts(spec.split(","), ansible_inventory=os.environ["REGIONKIT_INVENTORY"])
    return sorted(hosts, key=lambda h: h.backend.get_hostname())


def _address(host: Any) -> str:
    return str(inventory_vars(host)["ansible_host"])


def measure_ring_gbps(hosts: list[Any], seconds: int = 3) -> list[float]:
    """GB/s received on each flow of a ring (host i to host i+1, all at once)."""
    for server in hosts:
        server.run("iperf3 -s -1 -D -p 5201")
    for server in hosts:
        for _ in range(20):
            if server.run("ss -ltn 'sport = :5201' | grep -q 5201").rc == 0:
                break

    def flow(i: int) -> float:
        target = _address(hosts[(i + 1) % len(hosts)])
        result = hosts[i].check_output(f"iperf3 -c {target} -p 5201 -t {seconds} -J")
        return float(json.loads(result)["end"]["sum_received"]["bits_per_second"]) / 8 / 1e9

    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        return list(pool.map(flow, range(len(hosts))))


def test_l3_allreduce_across_hosts(all_hosts: list[Any], record_property: Any) -> None:
    if len(all_hosts) < 2:
        pytest.skip("not verified: a multi-node all-reduce needs two hosts or more")
    master = _address(all_hosts[0])
    command = "python3 /usr/local/lib/regionkit/allreduce_bench.py --rank {rank} --world {world} --master {master} --sizes {sizes}"

    def rank(i_host: tuple[int, Any]) -> Any:
        i, host = i_host
        return host.run(command.format(rank=i, world=len(all_hosts), master=master, sizes=SIZES))

    with ThreadPoolExecutor(max_workers=len(all_hosts)) as pool:
        runs = list(pool.map(rank, enumerate(all_hosts)))
    # The run is judged in the health verdict model, as every collective benchmark is.
    report = HealthReport("allreduce-bench", "torch.distributed all-reduce (allreduce_bench.py)", "1.0", devices=None)
    failed = [(h.backend.get_hostname(), r.stderr[-300:]) for h, r in zip(all_hosts, runs, strict=True) if r.rc != 0]
    for name, stderr in failed:
        report.fail(f"all-reduce failed on {name}", Action.DRAIN, stderr, name)
    rows = [json.loads(line) for line in runs[0].stdout.splitlines() if line.startswith("{")]
    if not rows and not failed:
        report.unknown("the all-reduce printed no result row: it measured nothing", runs[0].stdout[-300:])
    if any(not r["correct"] for r in rows):
        report.fail("all-reduce returned wrong results", Action.DRAIN)
    if rows:
        report.devices = [Device(h.backend.get_hostname()) for h in all_hosts]  # one rank per host
        flows = measure_ring_gbps(all_hosts)
        link = statistics.median(flows)  # one slow link then shows as an all-reduce under the floor
        pool_floor = inventory_vars(all_hosts[0]).get("regionkit_busbw_floor_gbps")
        floor, source = floor_for(pool_floor, link)
        acc = CollectiveAcceptance([r["bytes"] for r in rows], [r["busbw_gbps"] for r in rows], link, floor, source)
        report.busbw_gbps = acc.peak_gbps
        if not acc.passed:
            report.fail(f"peak busbw {acc.peak_gbps:.2f} GB/s is under the floor {floor:.2f} GB/s ({source})", Action.DRAIN)
        figures = os.environ.get("REGIONKIT_FIGURES")
        if figures:
            with open(figures, "w", encoding="utf-8") as f:
                json.dump(
                    {"hosts": [h.backend.get_hostname() for h in all_hosts], "sizes": acc.sizes, "busbw_gbps": acc.busbw_gbps,
                     "link_gbps": link, "link_flows_gbps": flows, "floor_gbps": floor, "floor_source": source,
                     "world": len(all_hosts)}, f,
                )  # fmt: skip
    decide(record_property, gate(report))
