"""What every command shares: the catalog root option, the consoles, and the one place where
domain errors become exit codes."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
import typer
from rich.console import Console

from regionkit.catalog.load import Catalog, find_root, load_catalog
from regionkit.errors import CatalogError, RegionkitError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"


@dataclass
class State:
    root_option: Path | None = None
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return find_root(self.root_option)

    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.root)
        return self._catalog


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn RegionkitError into one line per problem on stderr and its exit code."""
    try:
        yield
    except CatalogError as exc:
        for line in exc.problems:
            err_console.print(f"[red]error:[/] {line}", markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except RegionkitError as exc:
        err_console.print(f"[red]error:[/] {click.unstyle(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
