"""What every command shares: the catalog root option, the consoles, the rich progress, and the one
place where domain errors become one line and an exit code."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import typer
from rich.console import Console
from rich.live import Live
from rich.status import Status
from rich.table import Table
from rich.text import Text

from regionkit.catalog.load import find_root
from regionkit.errors import CatalogError, RegionkitError
from regionkit.planning.results import HostResult
from regionkit.services.catalog import InvalidRegion
from regionkit.services.progress import Progress
from regionkit.services.session import Session

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


def say(text: str, style: str = "", err: bool = False) -> None:
    """Print `text` as it is: never read as rich markup (a `[a-z]` in a message stays)."""
    (err_console if err else console).print(Text(text, style=style), soft_wrap=True)


def error_line(message: str) -> None:
    err_console.print(Text.assemble(("error:", "red"), " ", click.unstyle(message)), soft_wrap=True)


@dataclass
class State:
    root_option: Path | None = None
    _session: Session | None = field(default=None, repr=False)

    def session(self, progress: Progress | None = None) -> Session:
        if self._session is None:
            self._session = Session(find_root(self.root_option), progress or RichProgress())
        return self._session


def session(ctx: typer.Context) -> Session:
    """The command's session (catalog root found once, catalog loaded once)."""
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj.session()


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
    """Turn RegionkitError into one line per problem on stderr and its exit code."""
    try:
        yield
    except RegionkitError as exc:
        print_error(exc)
        raise typer.Exit(exc.exit_code) from None


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

    def __init__(self) -> None:
        self._status: Status | None = None
        self.live: Live | None = None
        self.table: Any = None  # (columns, column_of) while bootstrap shows its table
        self.hosts: dict[str, HostResult] = {}

    def status(self, message: str) -> None:
        if self.live is not None:
            return
        if self._status is None:
            self._status = console.status(Text(message))
            self._status.start()
        else:
            self._status.update(Text(message))

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def note(self, message: str) -> None:
        self.stop()
        say(message)

    def stage(self, index: int, total: int, name: str) -> None:
        self.stop()
        console.rule(Text(f"{index}/{total} {name}", style="bold"))

    def stage_done(self, name: str, seconds: float) -> None:
        self.stop()
        say(f"{name}: done in {seconds:.1f} s")

    def output(self, line: str) -> None:
        self.stop()
        console.print(line, end="", markup=False, highlight=False)

    def host(self, host: str, result: HostResult) -> None:
        self.hosts[host] = result
        if self.live is not None and self.table is not None:
            self.live.update(host_table(self.hosts, *self.table))

    @contextmanager
    def live_table(self, columns: list[str], column_of: Any) -> Iterator[None]:
        """Show bootstrap's host table while the block runs."""
        self.stop()
        self.table, self.hosts = (columns, column_of), {}
        with Live(host_table({}, columns, column_of), console=console, refresh_per_second=4, transient=False) as live:
            self.live = live
            try:
                yield
            finally:
                self.live = None


@contextmanager
def work(ctx: typer.Context) -> Iterator[Session]:
    """A command's work: its session, the spinner stopped when the work ends, errors as one line."""
    with user_errors():
        current = session(ctx)
        try:
            yield current
        finally:
            if isinstance(current.progress, RichProgress):
                current.progress.stop()
