"""The `regionkit` command line: one typer app, one module per noun."""

from __future__ import annotations

import errno
import io
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Annotated, TextIO

import click
import typer

from regionkit import __version__, interrupts
from regionkit.commands import bootstrap, catalog, deploy, drift, handover, health, lab, mirror, plan, site, stack, verify
from regionkit.commands._shared import begin, debugging, error_line
from regionkit.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

# Bad arguments are bad input (exit 4, DESIGN.md), not click's default 2, which means drift.
# Recent typer vendors its own click; reach its exceptions through the public BadParameter.
_TYPER_CLICK = sys.modules[typer.BadParameter.__module__]
for _module in {_TYPER_CLICK, click.exceptions}:
    _module.UsageError.exit_code = EXIT_BAD_INPUT  # type: ignore[attr-defined]
_CLICK_ERRORS = tuple({_TYPER_CLICK.ClickException, click.exceptions.ClickException})  # type: ignore[attr-defined]
_ABORTS = tuple({typer.Abort, click.exceptions.Abort})

app = typer.Typer(
    name="regionkit",
    help="Stand up accelerator regions in colocation partners' datacenters, one region at a time.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"regionkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option("--root", envvar="REGIONKIT_ROOT", help="Folder that holds inventories/ (default: cwd upward)."),
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Results and errors only: no progress, no notes.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also say where things are read from and written to.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback behind an error (otherwise hidden).")] = False,
) -> None:
    ctx.obj = begin(root, quiet, verbose, debug)


app.command("init")(site.init)
app.command("regions")(catalog.regions)
app.command("validate")(catalog.validate_cmd)
app.command("validators")(catalog.validators_cmd)
app.command("schema")(catalog.schema)
app.command("plan")(plan.plan)
app.command("preview")(stack.preview)
app.command("up")(stack.up)
app.command("refresh")(stack.refresh)
app.command("destroy")(stack.destroy)
app.command("inventory")(stack.inventory)
app.add_typer(lab.app, name="lab")
app.command("handover")(handover.handover)
app.add_typer(mirror.app, name="mirror")
app.command("bootstrap")(bootstrap.bootstrap)
app.command("verify")(verify.verify)
app.command("deploy")(deploy.deploy)
app.command("drift")(drift.drift)
app.add_typer(health.app, name="health")


def run(argv: list[str] | None = None) -> int:
    """One invocation, in this process: every way it can end is an exit code and at most one line
    per problem on stderr (never a traceback unless --debug). main() adds what a process needs."""
    try:
        try:
            code = _invoke(argv)
        finally:
            _flush(sys.stdout)
        return code
    except KeyboardInterrupt:
        return interrupts.EXIT_INTERRUPTED
    except SystemExit as exc:  # a library's own exit (rich's and click's broken-pipe handling)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # the reader went away (`regionkit regions | head -1`): stop quietly
            _detach(sys.stdout)
            return EXIT_FAILED
        if exc.filename is None and exc.errno in _OUTPUT_ERRNOS:  # stdout is full or broken
            _detach(sys.stdout)
            error_line(f"cannot write to standard output: {exc.strerror}")
            return EXIT_FAILED
        return _internal(exc)
    except Exception as exc:  # a bug, not bad input: one line, the traceback with --debug
        return _internal(exc)


_OUTPUT_ERRNOS = (errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))


def _invoke(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, prog_name="regionkit", standalone_mode=False)
    except _ABORTS:  # a prompt's input ended (^D, or stdin closed): nothing was done
        error_line("aborted: no answer (input ended); nothing was changed")
        return EXIT_FAILED
    except _CLICK_ERRORS as exc:  # bad arguments: one line, exit 4 (DESIGN.md)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help (typer's rich help prints itself)
            if exc.format_message().strip():
                exc.show()
            return exc.exit_code
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        error_line(" ".join(exc.format_message().split()) + hint)
        return exc.exit_code
    return result if isinstance(result, int) else EXIT_OK


def _internal(exc: BaseException) -> int:
    if debugging():
        traceback.print_exception(exc)
    error_line(f"internal error: {type(exc).__name__}: {exc}; re-run with --debug for the traceback, and report it")
    return EXIT_FAILED


def _flush(stream: TextIO | None) -> None:
    if stream is not None and not stream.closed:
        stream.flush()


def _detach(stream: TextIO | None) -> None:
    """Point a stream that can no longer be written at /dev/null, so that nothing (not even the
    interpreter's last flush) writes to it again."""
    if stream is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _thread_error(args: threading.ExceptHookArgs) -> None:
    """An engine library's background thread that fails says so in one line, not a traceback."""
    if args.exc_type is SystemExit:
        return
    if debugging():
        traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback)
    name = args.thread.name if args.thread else "a thread"
    error_line(f"internal error in {name}: {args.exc_type.__name__}: {args.exc_value}")


def _unraisable(args: sys.UnraisableHookArgs) -> None:
    """An exception Python cannot raise (in a finalizer or a weakref callback) is swallowed there: a
    ^C that lands in one would be lost, so it is delivered again, to the main flow; the others are
    shown only with --debug (they change nothing)."""
    if args.exc_type is KeyboardInterrupt:
        interrupts.redeliver()
    elif debugging():
        sys.__unraisablehook__(args)


def _streams() -> None:
    """stdout and stderr that cannot fail on a character: closed ones go to /dev/null, and what the
    encoding cannot show is written as an escape."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # started with the descriptor closed (`regionkit regions >&-`)
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as the process)
        elif isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main() -> None:
    """The console script and `python -m regionkit`: ^C at any moment ends it with 130 and no
    traceback (interrupts.py); what was being written is either whole or not there."""
    handling = interrupts.install()
    _streams()
    threading.excepthook = _thread_error
    sys.unraisablehook = _unraisable
    code = run()
    if handling:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: nothing left to interrupt
    try:
        _flush(sys.stdout)
        _flush(sys.stderr)
    except OSError:
        _detach(sys.stdout)
        _detach(sys.stderr)
    if code == interrupts.EXIT_INTERRUPTED:  # do not wait for an engine's threads to wind down
        os._exit(code)
    sys.exit(code)
