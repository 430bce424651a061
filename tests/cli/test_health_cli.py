"""`regionkit health check` as an operator runs it: every capture in the repository through
the command (exit code and JSON contract), stdin, and bad input as one line with exit 4."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app

from ..unit.health.corpus import FIXTURES, Case
from ..unit.health.test_registry import TABLES

runner = CliRunner()
ALL: dict[str, Case] = {name: case for table in TABLES for name, case in table.items()}


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["health", "check", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _args(name: str, case: Case) -> list[str]:
    args = ["--tool", case.kind, "--format", "json", str(FIXTURES / name)]
    return [*args, "--ranks", str(case.ranks)] if case.ranks else args


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_capture_through_the_command(name: str) -> None:
    case = ALL[name]
    code, out, _ = invoke(*_args(name, case))
    data = json.loads(out)
    assert (data["verdict"], data["devices"]) == (case.verdict, case.devices)
    assert code == (0 if case.verdict in ("pass", "warn") else 1)
    assert {"verdict", "devices", "busbw_gbps", "findings", "parser"} <= set(data)
    assert data["parser"]["name"] and data["parser"]["version"]
    for finding in data["findings"]:
        assert set(finding) >= {"severity", "device", "what", "seen", "action"}
        assert finding["action"] in ("none", "re-run", "drain", "reset the device", "reboot", "replace")


def test_text_output_names_the_verdict_and_the_action() -> None:
    name = "real/nvidia/smi-table_rtx-pro-6000-blackwell_4gpu_GPU1-MISSING_unable-to-determine-handle_drv610.txt"
    code, out, _ = invoke("--tool", "nvidia-smi", str(FIXTURES / name))
    assert code == 1
    assert out.startswith("FAIL  nvidia-smi") and "devices: 3" in out and "-> reboot" in out


def test_stdin_reads_the_same_as_a_file() -> None:
    name = "real/ascend/npu-smi-info_A3-Ascend910_8npu-16chip_idle_npu-smi-24.1.rc3.7.txt"
    code, out, _ = invoke("--tool", "npu-smi", "--format", "json", "-", stdin=(FIXTURES / name).read_text())
    assert code == 0 and json.loads(out)["devices"] == 8


def test_floor_judges_bandwidth_and_expect_devices_judges_the_count() -> None:
    name = str(FIXTURES / "real/nccl/h100-sxm_1node-8gpu_nccl-tests-2.17.8_allreduce+ag+rs+a2a+sendrecv_pass.txt")
    assert invoke("--tool", "nccl-tests", name)[0] == 0
    assert invoke("--tool", "nccl-tests", "--floor-gbps", "460", name)[0] == 1
    assert invoke("--tool", "nccl-tests", "--expect-devices", "16", name)[0] == 1


def test_binary_garbage_is_unknown_not_a_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "core"
    garbage.write_bytes(bytes(range(256)) * 4)
    code, out, _ = invoke("--tool", "rocm-smi", "--format", "json", str(garbage))
    assert code == 1 and json.loads(out)["verdict"] == "unknown"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--tool", "nvidia-smi-json", "x"], "not a known kind"),
        (["--tool", "npu-smi", "/nonexistent/capture.txt"], "file is missing"),
        (["--tool", "npu-smi", "."], "is a folder"),
        (["--tool", "hccl-test", str(FIXTURES / "real/ascend/hccl_test_all_reduce_test_8npu_fp32_doc-example_pass.txt")], "--ranks"),
        (["--tool", "npu-smi", "--floor-gbps", "10", "-"], "--floor-gbps applies to collective"),
        (["--tool", "kernel-log", "/proc/self/mem"], "cannot be read"),
    ],
)
def test_bad_input_is_one_line_and_exit_4(args: list[str], says: str) -> None:
    code, out, err = invoke(*args, stdin="")
    assert code == 4
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_missing_tool_option_is_bad_input() -> None:
    assert invoke(str(FIXTURES / "real/SOURCES.md"))[0] == 4


def test_console_script_reads_stdin_and_exits_with_the_verdict() -> None:
    for name, code in (
        ("real/nvidia/smi_ERROR_NVML-driver-library-version-mismatch_drv535.txt", 1),
        ("real/amd/amd-smi_default_mi300x_8gpu_baremetal_amdsmi-27.0.0_rocm-10.0.0_doc-expected-output.txt", 0),
    ):
        kind = "nvidia-smi" if "nvidia" in name else "amd-smi"
        proc = subprocess.run(
            [sys.executable, "-m", "regionkit", "health", "check", "--tool", kind, "--format", "json", "-"],
            input=(FIXTURES / name).read_text(encoding="utf-8"),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == code, proc.stderr
        assert json.loads(proc.stdout)["verdict"] == ("fail" if code else "pass")


def test_help_lists_every_kind() -> None:
    result = runner.invoke(app, ["health", "check", "--help"])
    assert result.exit_code == 0 and "hccl-test" in result.stdout and "ppu-smi" in result.stdout
