"""`init`: a new site (a catalog root) that uses the installed regionkit: the shipped catalogs,
one example region, a Pulumi project whose program is regionkit's (a shim of a few lines), an
ansible.cfg, a .gitignore and a README. Nothing of the tool's code is copied."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2

from regionkit.catalog.load import SHARED_FILES, load_catalog
from regionkit.content import content_root
from regionkit.errors import BadInputError
from regionkit.workspace import write_atomic

EXAMPLE = "nl-ams-1"
# Site files that name where regionkit is installed (rewritten by --refresh); the rest are the user's.
RENDERED = ("ansible.cfg", "stacks/Pulumi.yaml", "stacks/policy/PulumiPolicy.yaml")
COPIED = ("stacks/__main__.py", "stacks/policy/__main__.py")


@dataclass(frozen=True)
class SiteResult:
    root: Path
    written: list[Path]
    regions: list[str]


def _render(name: str, context: dict[str, str]) -> str:
    text = (content_root().site_templates / name).read_text(encoding="utf-8")
    return jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined).from_string(text).render(context)


def _context(target: Path) -> dict[str, str]:
    content = content_root()
    in_venv = sys.prefix != sys.base_prefix
    return {
        "name": target.resolve().name,
        "example": EXAMPLE,
        "content": str(content.root),
        "playbook": str(content.site_playbook),
        "virtualenv": sys.prefix if in_venv else "",
    }


def _check_new(target: Path) -> None:
    """`target` must be new, or an empty folder that is not a link (init writes into nothing else)."""
    if not os.path.lexists(target):
        return
    try:
        empty = not target.is_symlink() and target.is_dir() and not any(target.iterdir())
    except OSError as exc:
        raise BadInputError(f"{target}: cannot be read ({exc.strerror}); give a new folder's path") from None
    if not empty:
        what = "is a symbolic link" if target.is_symlink() else "exists and is not an empty folder"
        raise BadInputError(f"{target}: {what}; give a new folder's path (init never overwrites)")


def init_site(target: Path, refresh: bool = False) -> SiteResult:
    """Make `target` a site (it must be new or empty); with `refresh`, rewrite only the files that
    point at the installed regionkit, in a site that exists."""
    target = target.absolute()
    content = content_root()
    context = _context(target)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        written.append(write_atomic(target / rel, text, base=target, mode=0o644))

    if refresh:
        if not (target / "inventories").is_dir():
            raise BadInputError(f"{target}: not a regionkit site (no inventories/); run `regionkit init {target}` first")
        for rel in RENDERED:
            write(rel, _render(rel, context))
        return SiteResult(target, written, sorted(load_catalog(target).regions))
    _check_new(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"{target}: cannot create the folder ({exc.strerror}); give a folder you can write") from None
    for name in SHARED_FILES:
        write(f"inventories/{name}", (content.inventories / name).read_text(encoding="utf-8"))
    example = content.inventories / EXAMPLE
    for path in sorted(p for p in example.rglob("*") if p.is_file() and p.name != "hosts.yml"):
        write(f"inventories/{EXAMPLE}/{path.relative_to(example)}", path.read_text(encoding="utf-8"))
    write(f"stacks/Pulumi.{EXAMPLE}.yaml", (content.stacks / f"Pulumi.{EXAMPLE}.yaml").read_text(encoding="utf-8"))
    for rel in RENDERED:
        write(rel, _render(rel, context))
    for rel in COPIED:
        write(rel, (content.site_templates / rel).read_text(encoding="utf-8"))
    write(".gitignore", (content.site_templates / "gitignore").read_text(encoding="utf-8"))
    write("README.md", _render("README.md", context))
    return SiteResult(target, written, sorted(load_catalog(target).regions))
