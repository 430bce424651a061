"""The pure packages stay pure: no file I/O and no Jinja file loading in planning/, reports/ and
health/ (import-linter keeps engines, CLI libraries and subprocess out; this keeps I/O out)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..conftest import REPO

PURE = ("planning", "reports", "health")
IO_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink", "rmdir", "iterdir", "glob", "rglob"}
IO_NAMES = {"FileSystemLoader", "PackageLoader", "shutil", "tempfile"}


def _modules() -> list[Path]:
    base = REPO / "cli" / "regionkit"
    return sorted(p for package in PURE if (base / package).is_dir() for p in (base / package).rglob("*.py"))


def io_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in IO_CALLS:
                found.append(f"line {node.lineno}: {name}()")
        elif isinstance(node, ast.Name | ast.alias) and (node.id if isinstance(node, ast.Name) else node.name) in IO_NAMES:
            found.append(f"line {node.lineno}: {node.id if isinstance(node, ast.Name) else node.name}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO / "cli")))
def test_pure_modules_do_no_file_io(path: Path) -> None:
    assert io_uses(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_file_io() -> None:
    """The scan is live: each kind of I/O it looks for is found."""
    planted = "import shutil\nfrom jinja2 import FileSystemLoader\nopen('x')\nPath('y').read_text()\n"
    assert len(io_uses(planted)) == 4
