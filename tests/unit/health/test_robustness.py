"""Every parser on inputs no tool printed whole: empty, binary junk, another tool's output, a
capture cut inside its device table, two captures run together, newlines lost, very long
lines. None of them may pass, and no parser may raise. Line endings and terminal colour are
presentation, not content: a capture with CRLF endings or ANSI colour reads as the clean one.

Where a cut cannot be told from a whole output the kind is left out of that property, and the
reason is given (docs/health.md says the same): a kernel log is a stream, and a shorter one is
still a log; hccl_test and ``--format=csv`` print no end marker, so a capture cut between
two rows reads as a node with fewer devices (the pool's device count catches that)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionkit.health import Verdict, judge

from .corpus import text

# One whole, passing capture per kind; the cut region runs from the first device line to the
# line that closes the device table (a cut there loses devices or the proof they are whole).
R = "real/"
SAMPLES: dict[str, tuple[str, str, str]] = {
    "nvidia-smi": (R + "nvidia/a100-sxm4-80gb_4gpu_smi-table_idle_drv555.txt", "|=====", "-+\n   "),
    "nvidia-smi-csv": (R + "nvidia/h200_8gpu_query-gpu-csv_index-name-memtotal-driver-powerlimit-pstate_drv570.txt", "", ""),
    "nvidia-smi-q": (R + "nvidia/h200_1gpu_smi-q_idle_drv590.txt", "GPU 0000", "    Processes"),
    "nvidia-smi-xml": (R + "nvidia/a10g_smi-q-x_xml.xml", "<gpu ", "</nvidia_smi_log>"),
    "nvidia-topo": (R + "nvidia/h200-sxm_8gpu_topo-m_nvswitch-NV18_8nic-mlx5_drv570.txt", "GPU0\t", "Legend"),
    "kernel-log": (
        R + "nvidia/dmesg_NVRM_loading-kernel-module-580.142_nvidia_uvm-taint_ACPI-BIOS-errors_benign_EXCERPT_LOWPROV.txt",
        "",
        "",
    ),
    "dcgmi-diag": (
        R + "dcgm/dcgmi-diag-r2_p4de-a100-8gpu_nvlinks-expected-up-12_PASS_dcgm3.3.3_drv535_LOWPROV.txt",
        "| Denylist",
        "<end>",
    ),
    "npu-smi": (R + "ascend/npu-smi-info_910B3_8npu_mixed-load_npu-smi-25.3.rc1.2_no-proc-table.txt", "| 0     910B3", "<end>"),
    "amd-smi": (
        R + "amd/amd-smi_default_mi300x_8gpu_baremetal_amdsmi-27.0.0_rocm-10.0.0_doc-expected-output.txt",
        "| 0000:1b",
        "\n+---",
    ),
    "rocm-smi": (R + "amd/mi300x_4gpu_rocm-smi_concise.txt", "Device ", "End of ROCm SMI Log"),
    "rocminfo": (R + "amd/mi300x_4gpu_rocminfo.txt", "Agent 1", "*** Done ***"),
    "ppu-smi": ("synthetic/thead/ppu-smi-L_8ppu_SYNTHETIC_pass.txt", "", ""),
    "nccl-tests": (
        R + "nccl/h100-sxm_1node-8gpu_-g8_all_reduce_perf_128M-4G_pass_issue290.txt",
        "#  Rank  0",
        "# Avg bus bandwidth    :",
    ),
    "hccl-test": (R + "ascend/hccl_test_all_reduce_test_8npu_fp32_doc-example_pass.txt", "", ""),
}
RANKS = {"hccl-test": 8}
# Kinds whose whole-capture repeats are legitimately one log (several runs, or a stream).
REPEATS_ALLOWED = {"kernel-log", "nccl-tests", "hccl-test", "ppu-smi"}
# Tables whose border between two devices is the same line as the one that closes them: a
# capture cut right there is a whole table of fewer devices (posters often copy only the device
# table), so only the pool's expected device count can catch it. Every other cut must not pass.
_BORDER = re.compile(r"\+[-=+]+\+\s*")


def _on_device_boundary(kind: str, head: str) -> bool:
    last = head.rstrip("\n").rsplit("\n", 1)[-1]
    # a complete border line ends a device's box, with or without the newline after it
    return kind in ("nvidia-smi", "npu-smi") and bool(_BORDER.fullmatch(last))


def _judge(kind: str, captured: str) -> tuple[Verdict, int | None]:
    report = judge(kind, captured, ranks=RANKS.get(kind))
    return report.verdict, report.device_count


def _sample(kind: str) -> str:
    return text(SAMPLES[kind][0])


def _region(kind: str) -> tuple[int, int]:
    """Character offsets of the device table: a cut anywhere in [start, end) loses something."""
    body, start_marker, end_marker = _sample(kind), SAMPLES[kind][1], SAMPLES[kind][2]
    start = body.index(start_marker)
    if end_marker == "<end>":  # the table's closing border is the capture's last line
        end = body.rstrip("\n").rindex("\n") + 2
    else:
        end = body.index(end_marker, start) + (len(end_marker) if end_marker.startswith("#") else 0)
    return start, end


TRUNCATABLE = sorted(k for k, (_, start, _) in SAMPLES.items() if start)


def test_every_sample_is_a_whole_passing_capture() -> None:
    for kind in SAMPLES:
        assert _judge(kind, _sample(kind))[0] == Verdict.PASS, kind


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize("junk", ["", "   \n\n", "\x00\x01\x02\xff", "\x1b[2J\x1b[H", "Segmentation fault (core dumped)\n"])
def test_empty_or_junk_never_passes(kind: str, junk: str) -> None:
    assert _judge(kind, junk)[0] in (Verdict.UNKNOWN, Verdict.FAIL)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(noise=st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda b: b.decode("latin-1"))))
def test_random_text_never_passes_and_never_raises(kind: str, noise: str) -> None:
    assert _judge(kind, noise)[0] in (Verdict.UNKNOWN, Verdict.FAIL)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize("other", sorted(SAMPLES))
def test_another_tools_output_never_passes(kind: str, other: str) -> None:
    if other == kind:
        return
    assert _judge(kind, _sample(other))[0] in (Verdict.UNKNOWN, Verdict.FAIL), f"{kind} passed {other}'s output"


@pytest.mark.parametrize("kind", TRUNCATABLE)
def test_a_cut_at_every_line_of_the_device_table_never_passes(kind: str) -> None:
    body = _sample(kind)
    start, end = _region(kind)
    cuts = [start] + [m.end() for m in re.finditer("\n", body) if start <= m.end() < end]
    for cut in (c for c in cuts if not _on_device_boundary(kind, body[:c])):
        assert _judge(kind, body[:cut])[0] != Verdict.PASS, f"{kind} cut at {cut}: {body[max(0, cut - 60) : cut]!r}"


@pytest.mark.parametrize("kind", TRUNCATABLE)
@settings(max_examples=60, deadline=None)
@given(fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_a_cut_at_any_character_of_the_device_table_never_passes(kind: str, fraction: float) -> None:
    start, end = _region(kind)
    head = _sample(kind)[: start + int((end - start) * fraction)]
    if not _on_device_boundary(kind, head):
        assert _judge(kind, head)[0] != Verdict.PASS


@pytest.mark.parametrize("kind", sorted(set(SAMPLES) - REPEATS_ALLOWED))
def test_two_outputs_run_together_never_pass(kind: str) -> None:
    body = _sample(kind)
    assert _judge(kind, body + body)[0] in (Verdict.UNKNOWN, Verdict.FAIL)


@pytest.mark.parametrize("kind", sorted(set(SAMPLES) - {"kernel-log", "nvidia-smi-xml"}))  # a log line, and the same XML
def test_a_capture_that_lost_its_newlines_never_passes(kind: str) -> None:
    assert _judge(kind, _sample(kind).replace("\n", " "))[0] in (Verdict.UNKNOWN, Verdict.FAIL)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize(
    "line",
    [
        "x" * 1_000_000,
        "1 " * 500_000,
        "|" + " 0 |" * 250_000,
        "[" * 200_000,
        "{" * 100_000,
        "GPU[0]\t: " * 100_000,
        "NVRM: " * 150_000,
        "# " * 400_000,
    ],
    ids=["x", "digits", "cells", "brackets", "braces", "rocm-smi-keys", "nvrm", "hashes"],
)
def test_a_very_long_line_neither_passes_nor_hangs(kind: str, line: str) -> None:
    began = time.monotonic()
    assert _judge(kind, line)[0] in (Verdict.UNKNOWN, Verdict.FAIL)
    assert time.monotonic() - began < 5.0


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_crlf_line_endings_read_as_the_clean_capture(kind: str) -> None:
    body = _sample(kind)
    assert _judge(kind, body.replace("\n", "\r\n")) == _judge(kind, body)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_ansi_colour_reads_as_the_clean_capture(kind: str) -> None:
    body = _sample(kind)
    coloured = "\n".join(f"\x1b[1;32m{line}\x1b[0m" if line else line for line in body.split("\n"))
    assert _judge(kind, coloured) == _judge(kind, body)
