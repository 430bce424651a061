"""`regionkit health check`: judge one captured tool output (a file, or stdin with `-`)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from regionkit.catalog import files
from regionkit.commands._shared import OutputFormat, console, print_json, say, user_errors
from regionkit.errors import EXIT_FAILED, EXIT_OK, BadInputError
from regionkit.health import KINDS, HealthReport, Verdict, judge
from regionkit.health.registry import require_kind

app = typer.Typer(help="Judge accelerator tool output: pass, warn, fail or unknown.", no_args_is_help=True)


@app.command("check")
def check(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The captured output; '-' reads stdin.")],
    tool: Annotated[str, typer.Option("--tool", help=f"What produced it: {', '.join(KINDS)}.")],
    ranks: Annotated[int | None, typer.Option("--ranks", min=1, help="Ranks of the run (hccl-test needs it).")] = None,
    expect_devices: Annotated[int | None, typer.Option("--expect-devices", min=0, help="Fail unless this many devices show.")] = None,
    floor_gbps: Annotated[float | None, typer.Option("--floor-gbps", min=0, help="Fail a collective under this busbw.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Exit 0 for pass or warn, 1 for fail or unknown, 4 for bad input."""
    with user_errors():
        if floor_gbps is not None and not math.isfinite(floor_gbps):
            raise BadInputError(f"--floor-gbps {floor_gbps}: give a finite number of GB/s")
        require_kind(tool, ranks=ranks, floor_gbps=floor_gbps)  # bad arguments before the file is read
        report = judge(tool, _read(source), ranks=ranks, expect_devices=expect_devices, floor_gbps=floor_gbps)
    if fmt == OutputFormat.json:
        print_json(report.to_dict(), sort_keys=False)
    else:
        _print(report)
    raise typer.Exit(EXIT_OK if report.verdict in (Verdict.PASS, Verdict.WARN) else EXIT_FAILED)


CAPTURE_LIMIT = 64 * 1024 * 1024  # a kernel log or nvidia-smi -q of a large node is a few MiB


def _read(source: str) -> str:
    """The captured output: stdin for '-', else a regular file, at most CAPTURE_LIMIT bytes either way."""
    if source == "-":
        if sys.stdin is None:
            raise BadInputError("-: standard input is closed; pipe the captured output in, or give its file")
        raw = sys.stdin.buffer.read(CAPTURE_LIMIT + 1)
        if len(raw) > CAPTURE_LIMIT:
            raise BadInputError(f"-: more than {CAPTURE_LIMIT} bytes on standard input; give one tool's output")
    else:
        raw = files.read_bytes(Path(source), source, limit=CAPTURE_LIMIT)
    return raw.decode("utf-8", errors="replace")


def _print(report: HealthReport) -> None:
    colour = {Verdict.PASS: "green", Verdict.WARN: "yellow", Verdict.FAIL: "red", Verdict.UNKNOWN: "magenta"}[report.verdict]
    console.print(
        Text.assemble((report.verdict.upper(), f"bold {colour}"), f"  {report.kind} ({report.parser} {report.parser_version})")
    )
    say(f"devices: {'-' if report.devices is None else len(report.devices)}")
    if report.busbw_gbps is not None:
        say(f"busbw_gbps: {report.busbw_gbps:g}")
    for f in report.findings:
        where = f" [{f.device}]" if f.device else ""
        say(f"  {f.severity:<7}{where} {f.what} -> {f.action}")
        if f.seen:
            say(f"           seen: {f.seen}")
