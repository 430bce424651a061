"""L3: a multi-node all-reduce across every host of the run, one rank per host, with correct
results, bus bandwidth per message size, and the pool's floor (or, without one, a share of the
link throughput measured between two hosts with iperf3)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import testinfra

from regionkit.planning.acceptance import CollectiveAcceptance, floor_for

SIZES = "1M,16M,64M"


@pytest.fixture(scope="module")
def all_hosts(request: pytest.FixtureRequest) -> list[Any]:
    spec = request.config.getoption("hosts") or "ansible://all"
    hosts = testinfra.get_hosts(spec.split(","), ansible_inventory=os.environ["REGIONKIT_INVENTORY"])
    return sorted(hosts, key=lambda h: h.backend.get_hostname())


def _address(host: Any) -> str:
    return str(host.ansible.get_variables()["ansible_host"])


def measure_link_gbps(server: Any, client: Any) -> float:
    server.run("iperf3 -s -1 -D -p 5201")
    for _ in range(20):
        if server.run("ss -ltn 'sport = :5201' | grep -q 5201").rc == 0:
            break
    result = client.check_output(f"iperf3 -c {_address(server)} -p 5201 -t 3 -J")
    bits = json.loads(result)["end"]["sum_received"]["bits_per_second"]
    return float(bits) / 8 / 1e9


def test_l3_allreduce_across_hosts(all_hosts: list[Any]) -> None:
    if len(all_hosts) < 2:
        pytest.skip("not verified: a multi-node all-reduce needs two hosts or more")
    master = _address(all_hosts[0])
    command = "python3 /usr/local/lib/regionkit/allreduce_bench.py --rank {rank} --world {world} --master {master} --sizes {sizes}"

    def rank(i_host: tuple[int, Any]) -> Any:
        i, host = i_host
        return host.run(command.format(rank=i, world=len(all_hosts), master=master, sizes=SIZES))

    with ThreadPoolExecutor(max_workers=len(all_hosts)) as pool:
        runs = list(pool.map(rank, enumerate(all_hosts)))
    failed = [(h.backend.get_hostname(), r.stderr[-300:]) for h, r in zip(all_hosts, runs, strict=True) if r.rc != 0]
    assert not failed, f"all-reduce failed on {failed}"
    rows = [json.loads(line) for line in runs[0].stdout.splitlines() if line.startswith("{")]
    assert rows and all(r["correct"] for r in rows), "all-reduce returned wrong results"
    link = measure_link_gbps(all_hosts[0], all_hosts[1])
    pool_floor = all_hosts[0].ansible.get_variables().get("regionkit_busbw_floor_gbps")
    floor, source = floor_for(pool_floor, link)
    acc = CollectiveAcceptance([r["bytes"] for r in rows], [r["busbw_gbps"] for r in rows], link, floor, source)
    figures = os.environ.get("REGIONKIT_FIGURES")
    if figures:
        with open(figures, "w", encoding="utf-8") as f:
            json.dump(
                {"hosts": [h.backend.get_hostname() for h in all_hosts], "sizes": acc.sizes, "busbw_gbps": acc.busbw_gbps,
                 "link_gbps": link, "floor_gbps": floor, "floor_source": source, "world": len(all_hosts)}, f,
            )  # fmt: skip
    assert acc.passed, f"peak busbw {acc.peak_gbps:.2f} GB/s is under the floor {floor:.2f} GB/s ({source})"
