"""The content root: what regionkit ships beside its code (the Pulumi project, the playbooks and
roles, the site templates).

Installed from a wheel, the content is package data under `regionkit/content/`; in a clone it is
the repository's own folders. The catalog root (the user's `inventories/`) is another folder:
see `catalog.load.find_root`. The acceptance suites are product code in `regionkit.acceptance`.
"""

from __future__ import annotations

import os
import runpy
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from regionkit.errors import RegionkitError

_MARKERS = ("playbooks", "roles", "stacks")


@dataclass(frozen=True)
class Content:
    root: Path

    def _folder(self, name: str) -> Path:
        path = self.root / name
        if not path.is_dir():
            raise RegionkitError(f"{path}: regionkit's {name}/ folder is missing; reinstall regionkit (pip install --force-reinstall)")
        return path

    @property
    def stacks(self) -> Path:
        """The Pulumi project (program, components, backends, policy pack)."""
        return self._folder("stacks")

    @property
    def playbooks(self) -> Path:
        return self._folder("playbooks")

    @property
    def site_playbook(self) -> Path:
        return self.playbooks / "site.yml"

    @property
    def ansible_cfg(self) -> Path:
        """Ansible's settings for regionkit's playbooks (the CLI, AWX and ansible-playbook read the same file)."""
        path = self.root / "ansible.cfg"
        if not path.is_file():
            raise RegionkitError(f"{path}: regionkit's ansible.cfg is missing; reinstall regionkit (pip install --force-reinstall)")
        return path

    @property
    def roles(self) -> Path:
        return self._folder("roles")

    @property
    def inventories(self) -> Path:
        """The shipped catalogs (accelerators, partners, policy, servers) and example regions."""
        return self._folder("inventories")

    @property
    def site_templates(self) -> Path:
        """What `regionkit init` writes a new site from."""
        return self._folder("templates") / "site"

    @property
    def acceptance(self) -> Path:
        """The testinfra suites `verify` runs (package code, not content)."""
        return Path(str(resources.files("regionkit.acceptance")))


@cache
def content_root() -> Content:
    """The installed package's content, else the clone the package was imported from."""
    package = Path(str(resources.files("regionkit")))
    for candidate in (package / "content", package.parent.parent):
        if all((candidate / m).is_dir() for m in _MARKERS):
            return Content(candidate)
    raise RegionkitError(
        f"{package}: regionkit's content (playbooks/, roles/, stacks/) is missing; reinstall regionkit (pip install --force-reinstall)"
    )


def docs_url() -> str:
    """The absolute base URL reports link their rules' help to (SARIF `helpUri`): $REGIONKIT_DOCS_URL;
    inside a GitHub Actions run, the repository's files at the commit being checked; else the
    content root's own files (a file:// URI)."""
    if os.environ.get("REGIONKIT_DOCS_URL"):
        return os.environ["REGIONKIT_DOCS_URL"].rstrip("/")
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server.rstrip('/')}/{repository}/blob/{os.environ.get('GITHUB_SHA') or 'HEAD'}"
    return content_root().root.resolve().as_uri()


def _run(folder: Path) -> None:
    sys.path.insert(0, str(folder))
    runpy.run_path(str(folder / "__main__.py"), run_name="__main__")


def run_stack_program() -> None:
    """Run the installed regionkit's Pulumi program (a site's stacks/__main__.py calls this)."""
    _run(content_root().stacks)


def run_policy_pack() -> None:
    """Run the installed regionkit's policy pack (a site's stacks/policy/__main__.py calls this)."""
    _run(content_root().stacks / "policy")
