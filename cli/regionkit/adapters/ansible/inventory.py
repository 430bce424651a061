"""Write an inventory plan as Ansible's YAML inventory, and artifact pins as group vars.

Every string value goes out tagged `!unsafe`: Ansible never templates it, so a catalog or stack
value such as `{{ lookup('pipe', ...) }}` stays text and runs nothing on the controller, whoever
reads `hostvars` (a debug task, an AWX survey, a role). Ansible's own connection variables
(`ansible_host`, `ansible_user`, ...) stay plain: connection plugins and testinfra read them as
they are, and regionkit writes only validated addresses and its own paths there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from regionkit.catalog import files
from regionkit.planning.inventory import InventoryPlan, never_templated
from regionkit.workspace import Workspace

UNSAFE_TAG = "!unsafe"


class Unsafe(str):
    """A string Ansible must never template."""


class _UnsafeDumper(yaml.SafeDumper):
    pass


_UnsafeDumper.add_representer(Unsafe, lambda dumper, value: dumper.represent_scalar(UNSAFE_TAG, str(value)))


def _mark(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        return Unsafe(value) if never_templated(key, value) else value
    if isinstance(value, dict):
        return {k: _mark(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v, key) for v in value]
    return value


def dump_unsafe(data: Any) -> str:
    """YAML whose every string value, but Ansible's connection variables, is `!unsafe`."""
    return yaml.dump(_mark(data), Dumper=_UnsafeDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)


def render_inventory(plan: InventoryPlan) -> str:
    header = (
        f"# Rendered by regionkit from {plan.source}; do not edit: re-render with `regionkit inventory {plan.region}`.\n"
        f"# Your own settings go in inventories/{plan.region}/group_vars/all/ (committed, never overwritten).\n"
    )
    return header + dump_unsafe(plan.document())


def write_inventory(workspace: Workspace, path: Path, plan: InventoryPlan) -> Path:
    """Write hosts.yml atomically; leave it untouched when nothing changed."""
    text = render_inventory(plan)
    try:  # a corrupt, partial or planted file is simply rewritten
        if files.read_text(path, follow=False, limit=len(text.encode()) + 1) == text:
            return path
    except files.FileProblem:
        pass
    return workspace.write(path, text, mode=0o644)


def write_group_vars(workspace: Workspace, path: Path, comment: str, variables: dict[str, Any]) -> Path:
    """A group_vars file regionkit owns (artifact pins), written whole, values `!unsafe`."""
    lines = "".join(f"# {line}\n" for line in comment.splitlines())
    return workspace.write(path, lines + dump_unsafe(variables), mode=0o644)


def sync_group_vars(workspace: Workspace, folder: Path, files: dict[str, str], keep: set[str]) -> None:
    """Make `folder` hold exactly `files` (path under it -> text), and `keep` (files another step owns,
    such as the artifact pins); anything else regionkit wrote there before is removed."""
    for rel, text in files.items():
        path = folder / rel
        if not (path.is_file() and path.read_text(encoding="utf-8") == text):
            workspace.folder(*path.parent.relative_to(workspace.root).parts)
            workspace.write(path, text, mode=0o644)
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in files and rel not in keep:
                path.unlink()
