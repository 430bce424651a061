"""`regionkit health check`: judge one captured tool output (a file, or stdin with `-`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from regionkit.commands._shared import OutputFormat, console, user_errors
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
        require_kind(tool, ranks=ranks, floor_gbps=floor_gbps)  # bad arguments before the file is read
        report = judge(tool, _read(source), ranks=ranks, expect_devices=expect_devices, floor_gbps=floor_gbps)
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    raise typer.Exit(EXIT_OK if report.verdict in (Verdict.PASS, Verdict.WARN) else EXIT_FAILED)


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.buffer.read().decode("utf-8", errors="replace")
    path = Path(source)
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except IsADirectoryError:
        raise BadInputError(f"{source}: is a directory; give the captured output file, or '-' for stdin") from None
    except FileNotFoundError:
        raise BadInputError(f"{source}: no such file; give the captured output file, or '-' for stdin") from None
    except OSError as exc:
        raise BadInputError(f"{source}: cannot be read ({exc.strerror}); check its permissions") from None


def _print(report: HealthReport) -> None:
    colour = {Verdict.PASS: "green", Verdict.WARN: "yellow", Verdict.FAIL: "red", Verdict.UNKNOWN: "magenta"}[report.verdict]
    console.print(f"[bold {colour}]{report.verdict.upper()}[/]  {report.kind} ({report.parser} {report.parser_version})")
    console.print(f"devices: {'-' if report.devices is None else len(report.devices)}", markup=False)
    if report.busbw_gbps is not None:
        console.print(f"busbw_gbps: {report.busbw_gbps:g}", markup=False)
    for f in report.findings:
        where = f" [{f.device}]" if f.device else ""
        console.print(f"  {f.severity:<7}{where} {f.what} -> {f.action}", markup=False)
        if f.seen:
            console.print(f"           seen: {f.seen}", markup=False)
