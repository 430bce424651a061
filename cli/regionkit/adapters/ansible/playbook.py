"""What `playbooks/site.yml` says about its roles: which roles it lists, under which tags, and
which roles each of them brings in. site.yml is the only role -> tag map; this reads it, and the
roles' own include/import statements, instead of keeping a copy."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from regionkit.catalog import files
from regionkit.errors import RegionkitError
from regionkit.planning.playbook import SiteRoles

_TEMPLATED_LOOKUP = re.compile(r"^\{\{\s*(\w+)\s*\[")


def _load(path: Path) -> Any:
    """A playbook or role file regionkit ships (anchors and Ansible's tags allowed)."""
    try:
        return files.read_yaml(path, anchors=True, tags=("!unsafe", "!vault"))
    except files.FileProblem as exc:
        raise RegionkitError(f"{exc}; reinstall regionkit") from None


def _included(roles: Path, role: str) -> set[str]:
    """Roles that `role`'s tasks include or import, by name (a templated name `{{ map[key] }}`
    counts every value of that map in the role's defaults)."""
    found: set[str] = set()
    defaults = roles / role / "defaults" / "main.yml"
    mapping = (_load(defaults) or {}) if defaults.is_file() else {}
    for tasks in sorted((roles / role / "tasks").glob("*.yml")):
        for task in _load(tasks) or []:
            for key in ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role"):
                name = str((task.get(key) or {}).get("name", "")) if isinstance(task, dict) else ""
                if m := _TEMPLATED_LOOKUP.match(name):
                    found |= {str(v) for v in (mapping.get(m.group(1)) or {}).values()}
                elif name and "{{" not in name:
                    found.add(name)
    return found


@cache
def site_roles(playbook: Path) -> SiteRoles:
    """Read site.yml and the roles beside it (`<playbook>/../../roles`)."""
    roles = playbook.parent.parent / "roles"
    tags: dict[str, str] = {}
    for play in _load(playbook) or []:
        for entry in play.get("roles", []) if isinstance(play, dict) else []:
            name = entry["role"] if isinstance(entry, dict) else str(entry)
            tag_list = entry.get("tags", []) if isinstance(entry, dict) else []
            tags[name] = ",".join([tag_list] if isinstance(tag_list, str) else tag_list)
    owner: dict[str, list[str]] = {r: [r] for r in tags}
    for top in tags:
        seen: set[str] = set()
        todo = [top]
        while todo:
            for sub in _included(roles, todo.pop()) - seen:
                seen.add(sub)
                todo.append(sub)
                owner.setdefault(sub, [])
                if top not in owner[sub]:
                    owner[sub].append(top)
    return SiteRoles(tags, {k: tuple(v) for k, v in owner.items()})
