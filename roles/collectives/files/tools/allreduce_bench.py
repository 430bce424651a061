#!/usr/bin/env python3
# Managed by regionkit (collectives role).
"""All-reduce benchmark over torch.distributed, one rank per host.

Prints one JSON line per message size: bytes, algbw and busbw in GB/s (busbw = algbw x 2(n-1)/n,
as nccl-tests computes it), and whether the result was correct.

    allreduce_bench.py --rank R --world N --master ADDR [--backend gloo] [--sizes 1M,16M,64M]
"""

import argparse
import json
import os
import time

import torch
import torch.distributed as dist


def size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--world", type=int, required=True)
    p.add_argument("--master", required=True)
    p.add_argument("--port", type=int, default=29500)
    p.add_argument("--backend", default="gloo")
    p.add_argument("--sizes", default="1M,16M,64M")
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--ifname", default="eth0")
    a = p.parse_args()
    os.environ.setdefault("GLOO_SOCKET_IFNAME", a.ifname)
    dist.init_process_group(a.backend, init_method=f"tcp://{a.master}:{a.port}", rank=a.rank, world_size=a.world)
    n = a.world
    for nbytes in [size(s) for s in a.sizes.split(",")]:
        count = nbytes // 4
        t = torch.full((count,), float(a.rank + 1), dtype=torch.float32)
        dist.all_reduce(t)  # warm-up
        expected = float(sum(range(1, n + 1)))
        best = float("inf")
        correct = True
        for _ in range(a.iters):
            t.fill_(float(a.rank + 1))
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            best = min(best, time.perf_counter() - start)
            correct = correct and bool(torch.all(t == expected))
        algbw = nbytes / best / 1e9
        busbw = algbw * 2 * (n - 1) / n
        print(
            json.dumps(
                {
                    "bytes": nbytes,
                    "time_s": best,
                    "algbw_gbps": algbw,
                    "busbw_gbps": busbw,
                    "correct": correct,
                    "world": n,
                    "rank": a.rank,
                }
            ),
            flush=True,
        )
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
