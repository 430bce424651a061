"""nccl-tests / rccl-tests (launcher prefixes, MPI and non-MPI builds, the -J JSON) and
hccl_test, on real captures; a run that measured nothing is never a pass."""

from __future__ import annotations

import json

import pytest

from regionkit.health import Verdict, judge
from regionkit.health.collectives import busbw_allreduce, parse_hccl_test, parse_nccl_tests

from .corpus import Case, check, text

C = "real/nccl/"
CASES: dict[str, Case] = {
    C + "h100-sxm_1node-8gpu_nccl-tests-2.17.8_allreduce+ag+rs+a2a+sendrecv_pass.txt": Case("nccl-tests", "pass", 8, 437.957),
    C + "h100-sxm_10node-80gpu_nccl-tests-2.17.8_multinode_pass.txt": Case("nccl-tests", "pass", 80, 265.631),
    C + "h100-sxm_1node-8gpu_-g8_all_reduce_perf_nccl-tests-2.17.9_NVLS_8B-8GB_pass.txt": Case("nccl-tests", "pass", 8, 123.961),
    C + "h100-sxm_2node-16gpu_alltoall+sendrecv_FAIL_remote-process-exited-network-error.txt": Case("nccl-tests", "fail", 16),
    C + "gh200_2node-2gpu_all_reduce_perf_nccl-tests-2.17.8_FAIL_wrong-96-32_out-of-bounds-4.txt": Case(
        "nccl-tests", "fail", 2, 4.79995
    ),
    C + "gh200_2node-8gpu_all_reduce_perf_nccl-tests-2.17.8_FAIL_cuda-device-busy-exclusive-process.txt": Case(
        "nccl-tests", "fail", 8
    ),
    C + "h100-8gpu_all_reduce_perf_-g8_FAIL_cuda-system-not-yet-initialized_fabricmanager-down.txt": Case("nccl-tests", "fail", None),
    "real/amd/rccl-tests_all_reduce_perf_mi300x-VF_8gpu_1node_azure_pass.txt": Case("nccl-tests", "pass", 8, 54.8575),
    C + "h100-p5_aws-batch_all_reduce_perf_mpirun-tag-output-prefix_table-only_pass.txt": Case("nccl-tests", "pass", None, 156.742),
    # validation off (-c 0): the bandwidth is real, the data was not checked
    C + "a3mega-h100_2node-16rank_all_gather_perf_srun-l-labels_-c0-no-validation_EXCERPT_LOWPROV.txt": Case(
        "nccl-tests", "warn", None, 128.817
    ),
    # two ranks on one GPU over sockets: it measured the socket path, no device-to-device link
    C + "rtx5090_1gpu-2rank-socket_all_reduce_perf_mpi_nccl-tests-2.18.0_mpirun-tag-output_stderr-interleaved_pass_LOWPROV.txt": Case(
        "nccl-tests", "warn", 2, 1.57614
    ),
    C + "rtx5090_1gpu_-g1_all_reduce_perf_nranks1_busbw-0_measured-nothing.txt": Case("nccl-tests", "unknown", 1, 0.0),
    C + "rtx5090_2gpu_-g2_all_reduce_perf_FAIL_unhandled-cuda-error_nccl-2.25.txt": Case("nccl-tests", "fail", 2),
    # hccl_test prints algorithm bandwidth only: busbw = mean(algbw) x 2(n-1)/n
    "real/ascend/hccl_test_all_reduce_test_8npu_fp32_doc-example_pass.txt": Case("hccl-test", "pass", None, 7.370409, ranks=8),
    "real/ascend/hccl_test_FAIL_retcode7_init_hcclComm_doc-example.txt": Case("hccl-test", "fail", None, ranks=8),
    "real/ascend/hccl_test_all_reduce_16rank_2MB_aveg_time-header_hccl-vm-stub_LOWPROV.txt": Case(
        "hccl-test", "pass", None, busbw_allreduce(2.09715, 16), ranks=16
    ),
    # added for the parsers hunt: srun -l labels, validation off, device-API failure, rccl-tests 2-16 ranks
    C + "h100-sxm_1node-8gpu_-g8_all_reduce_perf_128M-4G_pass_issue290.txt": Case("nccl-tests", "pass", 8, 439.369),
    C + "h100-sxm_2node-16rank_all_reduce_perf_srun-l_validation-0_NA_8M-8G_issue290.txt": Case("nccl-tests", "warn", 16, 142.735),
    C + "h100-sxm_2node-16rank_all_reduce_perf_srun-l_NCCL_ALGO-RING_NA_from-Using-devices_EXCERPT_issue290.txt": Case(
        "nccl-tests", "warn", 16, 85.5294
    ),
    C + "h800_2node-16rank_alltoall_perf_-D1-device-API_nccl-tests-2.17.6_FAIL_illegal-memory-access_issue355.txt": Case(
        "nccl-tests", "fail", 16
    ),
    "real/amd/rccl-tests_all_reduce_perf_mi300x_8rank-mpirun_1node_k8s_develop-a7809b3_pass_LOWPROV.txt": Case(
        "nccl-tests", "pass", 8, 110.464
    ),
    "real/amd/rccl-tests_all_reduce_perf_mi300x_2node-16rank_mpirun-ucx_RCCL-version-lines_develop-448c4c7_pass_LOWPROV.txt": Case(
        "nccl-tests", "pass", 16, 92.3318
    ),
    "real/amd/rccl-tests_all_reduce_perf_radeon-ai-pro-r9700_2node-2rank_dmabuf_develop-33cc4df_pass_rocm-issue5571.txt": Case(
        "nccl-tests", "pass", 2, 3.51213
    ),
    "real/amd/rccl-tests_all_reduce_perf_radeon-ai-pro-r9700_2node-2rank_gdr-LOC_develop-33cc4df_pass_rocm-issue5571.txt": Case(
        "nccl-tests", "pass", 2, 3.53671
    ),
    "real/ascend/hccl_test_reduce_scatter_2rank_64B_int32_hccl-vm-runner-docs_LOWPROV.txt": Case(
        "hccl-test", "pass", None, busbw_allreduce(0.00006, 2), ranks=2
    ),
    "real/ascend/hccl_test_all_reduce_16rank_512KB_hccl-vm-stub_binary-tree_LOWPROV.txt": Case(
        "hccl-test", "pass", None, busbw_allreduce(0.52429, 16), ranks=16
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_collective_capture_is_judged_as_it_shows(name: str) -> None:
    check(name, CASES[name])


PASS = C + "h100-sxm_1node-8gpu_nccl-tests-2.17.8_allreduce+ag+rs+a2a+sendrecv_pass.txt"


@pytest.mark.parametrize(
    "prefix",
    ["[1,0]<stdout>:", " 0: ", "node-a: ", "(head, rank=0, pid=3808) [1,0]<stdout>:", "1: "],
)
def test_any_launcher_prefix_reads_the_same(prefix: str) -> None:
    plain = parse_nccl_tests(text(PASS))
    prefixed = parse_nccl_tests("\n".join(prefix + line for line in text(PASS).splitlines()))
    assert (prefixed.verdict, prefixed.busbw_gbps, prefixed.device_count) == (plain.verdict, plain.busbw_gbps, plain.device_count)


def test_non_mpi_build_under_mpirun_repeats_the_header_and_proves_nothing() -> None:
    one = text(C + "rtx5090_1gpu_-g1_all_reduce_perf_nranks1_busbw-0_measured-nothing.txt")
    header, rest = one.split("#\n#  ", 1)
    doubled = header + "#\n" + header + "#\n#  " + rest
    assert parse_nccl_tests(doubled).verdict == Verdict.UNKNOWN


def test_every_rank_alone_by_nccl_debug_is_unknown() -> None:
    t = text(PASS).replace("#  Rank  1", "#  Rank  0")
    assert parse_nccl_tests(t).verdict == Verdict.UNKNOWN


def test_wrong_elements_fail() -> None:
    lines = text(PASS).splitlines()
    row = next(n for n, ln in enumerate(lines) if ln.strip().startswith("33554432"))
    lines[row] = lines[row][: lines[row].rfind("0")] + "7"
    assert parse_nccl_tests("\n".join(lines)).verdict == Verdict.FAIL


def test_cut_before_the_average_is_unknown() -> None:
    t = text(PASS)
    assert parse_nccl_tests(t[: t.index("# Out of bounds")]).verdict == Verdict.UNKNOWN


def test_avg_marked_failed_by_the_run_fails() -> None:
    t = text(PASS).replace("# Avg bus bandwidth    : 437.957", "# Avg bus bandwidth    : 437.957 FAILED", 1)
    assert "437.957 FAILED" in t and parse_nccl_tests(t).verdict == Verdict.FAIL


def test_floor_judges_bandwidth_only_when_given() -> None:
    assert judge("nccl-tests", text(PASS)).verdict == Verdict.PASS
    assert judge("nccl-tests", text(PASS), floor_gbps=460).verdict == Verdict.FAIL
    assert judge("nccl-tests", text(PASS), floor_gbps=400).verdict == Verdict.PASS


def _json(rows: list[dict[str, object]], devices: int, avg: float, oob: int = 0) -> str:
    return json.dumps(
        {
            "version": 1,
            "config": {"nthreads": 1, "ngpus": 1, "devices": [{"rank": r, "hostname": "n1", "device": r} for r in range(devices)]},
            "results": rows,
            "out_of_bounds": {"count": oob, "okay": oob == 0},
            "average_bus_bandwidth": {"bandwidth": avg, "okay": "unchecked"},
            "errors": [],
        }
    )


def _row(size: int, busbw: float, nwrong: float | None = 0) -> dict[str, object]:
    half = {"time": 10.0, "alg_bw": busbw / 1.75, "bus_bw": busbw, "nwrong": nwrong}
    return {
        "size": size,
        "count": size // 4,
        "type": "float",
        "redop": "sum",
        "root": "    -1",
        "out_of_place": half,
        "in_place": half,
        "experiment_name": "all_reduce_perf",
    }


def test_nccl_tests_json_output() -> None:
    ok = parse_nccl_tests(_json([_row(1 << 20, 100.0), _row(1 << 30, 400.0)], 8, 250.0))
    assert (ok.verdict, ok.device_count, ok.busbw_gbps) == (Verdict.PASS, 8, 250.0)
    wrong = parse_nccl_tests(_json([_row(1 << 20, 100.0, nwrong=3)], 8, 100.0))
    assert wrong.verdict == Verdict.FAIL
    alone = parse_nccl_tests(_json([_row(1 << 20, 0.0)], 1, 0.0))
    assert alone.verdict == Verdict.UNKNOWN
    assert parse_nccl_tests(_json([_row(1, 1.0)], 8, 1.0)[:40]).verdict == Verdict.UNKNOWN


@pytest.mark.parametrize("value", [None, True, "fast", [1], {"gbps": 1}, "NaN", "Infinity"])
@pytest.mark.parametrize("field", ["size", "alg_bw", "bus_bw"])
def test_nccl_tests_json_with_a_value_that_is_not_a_number_proves_nothing(field: str, value: object) -> None:
    """The JSON file is data a run wrote (or a person edited): a row it cannot read is never a pass,
    and never a traceback."""
    doc = json.loads(_json([_row(1 << 20, 100.0), _row(1 << 30, 400.0)], 8, 250.0))
    target = doc["results"][1] if field == "size" else doc["results"][1]["out_of_place"]
    target[field] = value
    report = parse_nccl_tests(json.dumps(doc))
    assert report.verdict in (Verdict.UNKNOWN, Verdict.FAIL)
    doc["results"][1]["out_of_place"]["nwrong"] = value  # like the text's N/A: correctness not checked
    assert parse_nccl_tests(json.dumps({**doc, "out_of_bounds": {"count": value}})).verdict in (Verdict.UNKNOWN, Verdict.FAIL)


def test_hccl_wrong_result_fails_and_one_rank_proves_nothing() -> None:
    t = text("real/ascend/hccl_test_all_reduce_test_8npu_fp32_doc-example_pass.txt")
    assert parse_hccl_test(t.replace("| success", "| failed", 1), ranks=8).verdict == Verdict.FAIL
    assert parse_hccl_test(t, ranks=1).verdict == Verdict.UNKNOWN


@pytest.mark.parametrize(("ranks", "factor"), [(2, 1.0), (4, 1.5), (8, 1.75), (16, 1.875)])
def test_busbw_follows_nccl_tests(ranks: int, factor: float) -> None:
    assert busbw_allreduce(10.0, ranks) == pytest.approx(10.0 * factor)


def test_empty_output_is_unknown() -> None:
    assert parse_nccl_tests("").verdict == Verdict.UNKNOWN
    assert parse_hccl_test("", ranks=8).verdict == Verdict.UNKNOWN


def test_separate_jobs_show_no_rank_count() -> None:
    one = text(C + "rtx5090_1gpu_-g1_all_reduce_perf_nranks1_busbw-0_measured-nothing.txt")
    header, rest = one.split("#\n#  ", 1)
    report = parse_nccl_tests(header + "#\n" + header + "#\n#  " + rest)
    assert (report.verdict, report.device_count) == (Verdict.UNKNOWN, None)
