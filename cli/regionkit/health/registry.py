"""Every KIND ``regionkit health check`` knows, mapped to its parser, and the one entry point
callers use: :func:`judge` (parse, then apply the caller's expectations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from regionkit.errors import BadInputError
from regionkit.health import amd, ascend, collectives, dcgm, kernel, nvidia, thead
from regionkit.health.model import Action, HealthReport


@dataclass(frozen=True)
class Kind:
    """A captured output's kind: the command that produces it and its parser."""

    name: str
    command: str
    parse: Callable[..., HealthReport]
    needs_ranks: bool = False
    collective: bool = False


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("nvidia-smi", "nvidia-smi", nvidia.parse_table),
        Kind("nvidia-smi-csv", "nvidia-smi --query-gpu=... --format=csv", nvidia.parse_csv),
        Kind("nvidia-smi-q", "nvidia-smi -q", nvidia.parse_q),
        Kind("nvidia-smi-xml", "nvidia-smi -q -x", nvidia.parse_xml),
        Kind("nvidia-topo", "nvidia-smi topo -m", nvidia.parse_topo),
        Kind("kernel-log", "journalctl -k -b (or dmesg)", kernel.parse_kernel_log),
        Kind("dcgmi-diag", "dcgmi diag -r N [-j]", dcgm.parse_dcgmi_diag),
        Kind("npu-smi", "npu-smi info", ascend.parse_npu_smi),
        Kind("amd-smi", "amd-smi [list|static|metric --json]", amd.parse_amd_smi),
        Kind("rocm-smi", "rocm-smi [-a] [--json]", amd.parse_rocm_smi),
        Kind("rocminfo", "rocminfo", amd.parse_rocminfo),
        Kind("ppu-smi", "ppu-smi -L", thead.parse_ppu_smi),
        Kind(
            "nccl-tests", "all_reduce_perf (nccl-tests or rccl-tests; text or -J JSON)", collectives.parse_nccl_tests, collective=True
        ),
        Kind("hccl-test", "hccl_test all_reduce_test", collectives.parse_hccl_test, needs_ranks=True, collective=True),
    )
}


class UnknownKindError(BadInputError):
    """A KIND no parser reads."""


class MissingRanksError(BadInputError):
    """hccl-test without --ranks: its bus bandwidth cannot be derived."""


def require_kind(kind: str, *, ranks: int | None = None, floor_gbps: float | None = None) -> Kind:
    """The KIND's spec, or bad input: an unknown KIND, hccl-test without ranks, a bandwidth
    floor for a tool that measures no bandwidth."""
    spec = KINDS.get(kind)
    if spec is None:
        raise UnknownKindError(f"--tool {kind!r} is not a known kind; use one of: {', '.join(KINDS)}")
    if spec.needs_ranks and (ranks is None or ranks < 1):
        raise MissingRanksError(f"--tool {kind} needs --ranks N (the number of ranks the run used) to derive bus bandwidth")
    if floor_gbps is not None and not spec.collective:
        raise BadInputError(f"--floor-gbps applies to collective benchmarks (nccl-tests, hccl-test), not --tool {kind}")
    return spec


def judge(
    kind: str,
    text: str,
    *,
    ranks: int | None = None,
    expect_devices: int | None = None,
    floor_gbps: float | None = None,
) -> HealthReport:
    """Parse one captured output of ``kind`` and apply the caller's expectations.

    ``expect_devices``: a different device count is a failure (drain). ``floor_gbps``: a
    collective whose bus bandwidth is under it fails; without it bandwidth is reported, not
    judged."""
    spec = require_kind(kind, ranks=ranks, floor_gbps=floor_gbps)
    report = spec.parse(text, ranks) if spec.needs_ranks else spec.parse(text)
    if expect_devices is not None and report.device_count is not None and report.device_count != expect_devices:
        report.fail(
            f"{report.device_count} devices visible, {expect_devices} expected",
            Action.DRAIN,
            f"{report.device_count} of {expect_devices}",
        )
    elif expect_devices is not None and report.device_count is None:
        report.unknown(f"the output shows no device count; {expect_devices} expected")
    if floor_gbps is not None:
        if report.busbw_gbps is not None and report.busbw_gbps < floor_gbps:
            report.fail(
                f"bus bandwidth {report.busbw_gbps:g} GB/s is under the floor {floor_gbps:g} GB/s",
                Action.DRAIN,
                f"busbw {report.busbw_gbps:g}",
            )
        elif report.busbw_gbps is None:
            report.unknown(f"no bus bandwidth to compare with the floor {floor_gbps:g} GB/s")
    return report
