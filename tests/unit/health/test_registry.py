"""Every capture in the repository is a table test of exactly one parser module, and the
registry's expectations (device count, bandwidth floor, bad input) hold."""

from __future__ import annotations

import pytest

from regionkit.errors import BadInputError
from regionkit.health import KINDS, MissingRanksError, UnknownKindError, Verdict, judge

from . import test_amd, test_ascend, test_collectives, test_dcgm, test_kernel, test_nvidia, test_thead
from .corpus import captures, text

TABLES = [
    test_nvidia.CASES,
    test_kernel.CASES,
    test_dcgm.CASES,
    test_ascend.CASES,
    test_amd.CASES,
    test_thead.CASES,
    test_collectives.CASES,
]


def test_every_capture_in_the_repository_is_a_table_test_exactly_once() -> None:
    listed = [name for table in TABLES for name in table]
    assert len(listed) == len(set(listed)), "a capture is listed twice"
    assert set(listed) == captures()


def test_every_kind_of_the_issue_has_a_parser_and_a_real_or_synthetic_capture() -> None:
    expected = {
        "nvidia-smi", "nvidia-smi-csv", "nvidia-smi-q", "nvidia-smi-xml", "nvidia-topo", "kernel-log", "dcgmi-diag",
        "npu-smi", "amd-smi", "rocm-smi", "rocminfo", "ppu-smi", "nccl-tests", "hccl-test",
    }  # fmt: skip
    assert set(KINDS) == expected
    assert {case.kind for table in TABLES for case in table.values()} == expected


def test_expect_devices_fails_a_short_node_and_cannot_pass_an_unknown_count() -> None:
    npu = text("real/ascend/npu-smi-info_910B2C_16npu_idle_npu-smi-24.1.rc2.2.txt")
    assert judge("npu-smi", npu, expect_devices=16).verdict == Verdict.PASS
    assert judge("npu-smi", npu, expect_devices=8).verdict == Verdict.FAIL
    assert judge("kernel-log", "NVRM: loading NVIDIA UNIX x86_64 Kernel Module 570", expect_devices=8).verdict == Verdict.UNKNOWN


def test_bad_input_is_refused() -> None:
    with pytest.raises(UnknownKindError):
        judge("nvidia-smi-json", "")
    with pytest.raises(MissingRanksError):
        judge("hccl-test", "")
    with pytest.raises(BadInputError):
        judge("nvidia-smi", "", floor_gbps=10)


def test_report_json_contract() -> None:
    report = judge("nccl-tests", text("real/nccl/h100-sxm_1node-8gpu_nccl-tests-2.17.8_allreduce+ag+rs+a2a+sendrecv_pass.txt"))
    data = report.to_dict()
    assert {"verdict", "devices", "busbw_gbps", "findings", "parser"} <= set(data)
    assert data["parser"]["name"] and data["parser"]["version"]
    assert (data["verdict"], data["devices"], data["busbw_gbps"]) == ("pass", 8, 437.957)


def test_every_real_capture_has_a_source_row() -> None:
    sources = text("real/SOURCES.md")
    missing = sorted(name for name in captures() if name.startswith("real/") and name.split("/")[-1] not in sources)
    assert missing == []
