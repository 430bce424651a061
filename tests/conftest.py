"""Shared fixtures: a writable copy of the shipped catalog, and a way to plant errors in it."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NoReturn
from unittest import mock

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 23)  # validators that read the date get a fixed one in tests

Edit = Callable[[str, Callable[[dict[str, Any]], None]], None]


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    """A private copy of inventories/: the declarations and the committed group vars, nothing rendered."""
    shutil.copytree(
        REPO / "inventories", tmp_path / "inventories", ignore=shutil.ignore_patterns("hosts.yml", "policy.local.yml", "artifacts.yml")
    )
    return tmp_path


@pytest.fixture
def edit(catalog_root: Path) -> Edit:
    """edit("nl-ams-1", fn) loads that region's YAML (or a shared file's), lets fn change it, writes it back."""

    def apply(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        inv = catalog_root / "inventories"
        path = inv / name if name.endswith(".yml") else inv / name / "region.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return apply


def missing_tool(why: str) -> NoReturn:
    """A tool scripts/setup.sh installs is missing: a skip where someone runs the tests by hand, a
    failure under scripts/check.sh (REGIONKIT_CHECK_ALL=1), where a skip would count as passing."""
    if os.environ.get("REGIONKIT_CHECK_ALL"):
        pytest.fail(f"{why}; scripts/setup.sh installs it")
    pytest.skip(why)


def unprivileged(cmd: list[str]) -> list[str]:
    """`cmd` run without the power to read past file modes: as root, with CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH dropped from the bounding set (setpriv, util-linux), so that a mode-000
    file is as unreadable to it as to anyone; as any other user, as it is."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("setpriv") is None:
        missing_tool("running as root without setpriv (util-linux): a mode-000 file cannot be made unreadable")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *cmd]


@pytest.fixture
def as_unprivileged() -> Callable[[str], str]:
    """Run a Python snippet unprivileged (see `unprivileged`); returns what it raised, as text."""

    def run(code: str) -> str:
        snippet = f"try:\n    {code}\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\nelse:\n    print('no error')\n"
        env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
        proc = subprocess.run(unprivileged([sys.executable, "-c", snippet]), capture_output=True, text=True, env=env, timeout=60)
        return proc.stdout + proc.stderr

    return run


def key_paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every key path of a loaded YAML document (mapping keys and list indexes), for mutating it."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += key_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += key_paths(v, (*prefix, i))
    return out


def command_lines() -> list[bytes]:
    """Every process's command line (/proc/<pid>/cmdline), as any local user can read them."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((entry / "cmdline").read_bytes())
            except OSError:
                continue
    return found


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """The CLI as the console script runs it, through its edge (commands/app.py run(): bad
    arguments, internal errors, ^C), in this process: exit code, stdout, stderr."""
    from regionkit.commands.app import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), mock.patch("sys.stdin", io.StringIO("")):
        code = run(argv)
    return code, out.getvalue(), err.getvalue()
