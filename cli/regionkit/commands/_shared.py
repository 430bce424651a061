"""What every command shares: the catalog root option, the consoles, the rich progress, and the one
place where domain errors become one line and an exit code."""

from __future__ import annotations

import enum
import json
import os
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.segment import Segment
from rich.status import Status
from rich.table import Table
from rich.text import Text

from regionkit.catalog.load import find_root
from regionkit.catalog.overrides import PolicyOverride
from regionkit.catalog.text import CONTROL, printable
from regionkit.errors import CatalogError, RegionkitError
from regionkit.planning.results import HostResult
from regionkit.reports.redact import environment_secrets, hide
from regionkit.services.catalog import InvalidRegion
from regionkit.services.progress import Progress
from regionkit.services.session import Session


def _width(stream: Any) -> int | None:
    """A terminal's own width; when piped, $COLUMNS or wide enough that no table is clipped."""
    try:
        if stream is not None and stream.isatty():
            return None
    except (ValueError, OSError):  # closed
        pass
    columns = os.environ.get("COLUMNS", "")
    return min(max(int(columns), 20), 4096) if columns.isdigit() and len(columns) < 6 else 4096


class PlainConsole(Console):
    """rich, for text that is data: it never reads markup (`[a-z]`, `[/x]` stay as written) or emoji
    codes, and every control character in the text it renders (from a catalog, a path, a tool's
    output) is shown as an escape (`\\x1b`) instead of reaching the terminal. rich's own cursor
    and style codes are not text, and stay."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, soft_wrap=True, **options)
        self.secrets: list[str] = []  # values never shown (the environment's secrets; set by begin())

    def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and (CONTROL.search(segment.text) or any(s in segment.text for s in self.secrets)):
                yield Segment(shown(segment.text), segment.style)
            else:
                yield segment


console = PlainConsole(width=_width(sys.stdout))
err_console = PlainConsole(stderr=True, width=_width(sys.stderr))

# The extra that brings each engine library (pyproject.toml [project.optional-dependencies]).
EXTRAS = {
    "pulumi": "aws] or regionkit[alicloud",
    "pulumi_aws": "aws",
    "pulumi_alicloud": "alicloud",
    "pulumi_policy": "aws] or regionkit[alicloud",
    "boto3": "aws] or regionkit[alicloud] or regionkit[nodes",
    "botocore": "aws] or regionkit[alicloud] or regionkit[nodes",
    "ansible": "nodes",
    "ansible_runner": "nodes",
    "ansible_mitogen": "nodes",
    "mitogen": "nodes",
    "testinfra": "nodes",
    "pytest": "nodes",
    "cryptography": "lab",
}


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


def say(text: str, style: str = "", err: bool = False) -> None:
    """Print `text` as it is: never read as rich markup (a `[a-z]` in a message stays)."""
    (err_console if err else console).print(Text(printable(text), style=style), soft_wrap=True)


def error_line(message: str) -> None:
    """`error: <message>` on stderr, the message as it is but for control characters, shown escaped."""
    err_console.print(Text.assemble(("error:", "red"), " ", printable(message)), soft_wrap=True)


@dataclass
class State:
    root_option: Path | None = None
    quiet: bool = False  # no progress, no notes: results and errors only
    verbose: bool = False  # notes on where things are read from and written to
    debug: bool = False  # the traceback behind an error, which is otherwise hidden
    _session: Session | None = field(default=None, repr=False)

    def session(self, to_stderr: bool = False) -> Session:
        if self._session is None:
            chosen = Progress() if self.quiet else RichProgress(err_console if to_stderr else console)
            self._session = Session(find_root(self.root_option), chosen)
            if self.verbose:
                say(f"catalog root {self._session.root}; workspace {self._session.workspace.root}", "dim", err=True)
        return self._session


_current = State()  # this invocation's options: set anew by the root callback on every call


def begin(root: Path | None, quiet: bool, verbose: bool, debug: bool) -> State:
    """The options of this invocation (each call of the app, in a test process too, starts afresh)."""
    global _current
    _current = State(root, quiet, verbose, debug)
    console.secrets = err_console.secrets = environment_secrets(os.environ)
    return _current


def debugging() -> bool:
    return _current.debug


def session(ctx: typer.Context, to_stderr: bool = False) -> Session:
    """The command's session (catalog root found once, catalog loaded once); its progress on stderr
    when stdout carries a document (JSON)."""
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj.session(to_stderr)


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """One line saying which extra brings a missing engine library, if it is one of ours."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRAS:
        return None
    return f"this command needs {top}, which regionkit installs with an extra: pip install 'regionkit[{EXTRAS[top]}]'"


def shown(text: str) -> str:
    """Text as it may reach a terminal or a pipe: control characters escaped, the environment's secret
    values (AWS_SECRET_ACCESS_KEY, PULUMI_CONFIG_PASSPHRASE, a BMC password, ...) replaced."""
    return hide(printable(text), console.secrets)


def print_json(doc: Any, sort_keys: bool = True) -> None:
    """A JSON document on stdout, as it is (never wrapped or styled; JSON escapes control characters)."""
    sys.stdout.write(hide(json.dumps(doc, indent=2, sort_keys=sort_keys, default=str), console.secrets) + "\n")


def print_document(text: str) -> None:
    """A rendered document (Markdown, XML, SARIF) on stdout, as it is but as `shown` makes it."""
    sys.stdout.write(shown(text))


def print_overrides(overrides: list[PolicyOverride]) -> None:
    """Every rule and section policy.local.yml adds or replaces; relaxations with their reasons."""
    for o in overrides:
        console.print(Text(o.one_line(), "yellow" if o.relaxes else "dim"))


def print_error(exc: RegionkitError) -> None:
    """One line per problem on stderr: a catalog's located problems, the findings that stop a region."""
    if isinstance(exc, CatalogError):
        for line in exc.problems:
            error_line(line)
        return
    if isinstance(exc, InvalidRegion):
        for f in exc.findings:
            err_console.print(Text.assemble((f"{f.severity}:", "red"), f" {f.validator} {f.one_line()}"), soft_wrap=True)
    error_line(str(exc))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn RegionkitError into one line per problem on stderr and its exit code (and a missing
    extra into the line that says which to install). --debug shows the traceback too."""
    try:
        yield
    except RegionkitError as exc:
        if debugging():
            traceback.print_exc()
        print_error(exc)
        raise typer.Exit(exc.exit_code) from None
    except ModuleNotFoundError as exc:
        line = missing_extra(exc)
        if line is None:
            raise
        if debugging():
            traceback.print_exc()
        error_line(line)
        raise typer.Exit(1) from None


_COLOUR = {"ok": "green", "changed": "yellow", "failed": "red", "unreachable": "magenta", "…": "dim"}
_RANK = ["ok", "changed", "failed", "unreachable"]


def host_table(hosts: dict[str, HostResult], columns: list[str], column_of: Any) -> Table:
    """bootstrap's live table: hosts x the play's roles, the worst outcome of each."""
    table = Table("host", *columns, title="bootstrap", title_justify="left")
    for host in sorted(hosts):
        cells = []
        for col in columns:
            seen = [v for role, v in hosts[host].roles.items() if column_of(role) == col]
            worst = max(seen, key=_RANK.index) if seen else "…"
            cells.append(Text(worst, style=_COLOUR[worst]))
        table.add_row(host, *cells)
    return table


class RichProgress(Progress):
    """The Progress port on a terminal: a status spinner, stage rules, a live host table."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self._status: Status | None = None
        self.live: Live | None = None
        self.table: Any = None  # (columns, column_of) while bootstrap shows its table
        self.hosts: dict[str, HostResult] = {}

    def status(self, message: str) -> None:
        if self.live is not None:
            return
        if self._status is None:
            self._status = self.out.status(Text(message))
            self._status.start()
        else:
            self._status.update(Text(message))

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def note(self, message: str) -> None:
        self.stop()
        self.out.print(Text(message), soft_wrap=True)

    def stage(self, index: int, total: int, name: str) -> None:
        self.stop()
        if self.out.is_terminal:
            self.out.rule(Text(f"{index}/{total} {name}", style="bold"))
        else:
            self.out.print(Text(f"== {index}/{total} {name}"), soft_wrap=True)

    def stage_done(self, name: str, seconds: float) -> None:
        self.stop()
        self.out.print(Text(f"{name}: done in {seconds:.1f} s"), soft_wrap=True)

    def output(self, line: str) -> None:
        self.stop()
        self.out.print(line, end="", markup=False, highlight=False)

    def host(self, host: str, result: HostResult) -> None:
        self.hosts[host] = result
        if self.live is not None and self.table is not None:
            self.live.update(host_table(self.hosts, *self.table))

    @contextmanager
    def live_table(self, columns: list[str], column_of: Any) -> Iterator[None]:
        """Show bootstrap's host table while the block runs."""
        self.stop()
        self.table, self.hosts = (columns, column_of), {}
        with Live(host_table({}, columns, column_of), console=self.out, refresh_per_second=4, transient=False) as live:
            self.live = live
            try:
                yield
            finally:
                self.live = None


@contextmanager
def work(ctx: typer.Context, document: bool = False) -> Iterator[Session]:
    """A command's work: its session, the spinner stopped when the work ends, errors as one line.
    `document`: stdout carries a document (JSON), so progress goes to stderr."""
    with user_errors():
        current = session(ctx, document)
        try:
            yield current
        finally:
            if isinstance(current.progress, RichProgress):
                current.progress.stop()
