"""Find and load the catalog: shared files plus one region.yml per region folder.

Every problem becomes one located line (`file:line: key.path: what is wrong. Fix: ...`) and
all problems of a load are raised together as one `CatalogError` (exit 4).
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from regionkit.catalog import files
from regionkit.catalog.model import (
    AcceleratorCatalog,
    CloudCatalog,
    PartnerCatalog,
    PolicySpec,
    RegionSpec,
    ServerModelCatalog,
)
from regionkit.catalog.overrides import PolicyOverride, merge_overrides, validate_override
from regionkit.errors import BadInputError, CatalogError

# The shared catalog files every catalog root holds beside its region folders.
SHARED_FILES = ("accelerators.yml", "partners.yml", "policy.yml", "servers.yml", "clouds.yml")
MAX_FILE_BYTES = files.MAX_BYTES
ROOT_ENV = "REGIONKIT_ROOT"
LOCAL_POLICY = "policy.local.yml"

M = TypeVar("M", bound=BaseModel)


@dataclass
class Catalog:
    """The whole fleet as declared, loaded once."""

    root: Path
    accelerators: AcceleratorCatalog
    partners: PartnerCatalog
    policy: PolicySpec
    regions: dict[str, RegionSpec]
    region_files: dict[str, Path] = field(default_factory=dict)
    servers: ServerModelCatalog = field(default_factory=ServerModelCatalog)
    clouds: CloudCatalog = field(default_factory=CloudCatalog)
    policy_overrides: list[PolicyOverride] = field(default_factory=list)  # what policy.local.yml replaces

    @property
    def inventories(self) -> Path:
        return self.root / "inventories"

    def region(self, key: str) -> RegionSpec:
        try:
            return self.regions[key]
        except KeyError:
            known = ", ".join(sorted(self.regions))
            raise BadInputError(f"unknown region {key!r}; known regions: {known}") from None

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def region_file(self, key: str) -> str:
        return self.rel(self.region_files.get(key, self.inventories / key / "region.yml"))

    def line_of(self, file: str, key_path: tuple[str | int, ...]) -> int | None:
        """Line of a key path in one of the catalog's files (computed on demand)."""
        return _line_of(self.root / file, key_path)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for one bounded burst of allocation.

    Loading a catalog, validating it or synthesizing a stack allocates many long-lived objects;
    each automatic collection then rescans all of them, which made the cost grow faster than
    the fleet (benchmarks validate_catalog and plan_stacks). Nothing here builds garbage cycles
    that must be freed mid-burst.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def find_root(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """The folder that holds `inventories/`: --root, then $REGIONKIT_ROOT, then cwd upward."""
    chosen = explicit or os.environ.get(ROOT_ENV)
    try:
        if chosen:
            root = Path(chosen).expanduser().resolve()
            if not _is_folder(root / "inventories"):
                raise BadInputError(
                    f"{root}: no inventories/ folder here (or it cannot be read); point --root or {ROOT_ENV} at the folder "
                    "that holds inventories/"
                )
            return root
        here = (start or Path.cwd()).resolve()
    except FileNotFoundError:
        raise BadInputError("the working directory no longer exists; cd into your site and re-run") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise BadInputError(f"{chosen or 'the working directory'}: cannot be resolved ({exc}); pass --root PATH") from None
    for candidate in (here, *here.parents):
        if _is_folder(candidate / "inventories"):
            return candidate
    raise BadInputError(
        f"{here}: no inventories/ folder here or above; make a site with `regionkit init DIR` and run inside it, or pass --root PATH"
    )


def load_catalog(root: Path) -> Catalog:
    """Load and type-check every catalog file under `root`; raise CatalogError listing all problems."""
    with paused_gc():
        return _load(root)


def _region_folders(inv: Path, rel: Any, problems: list[str]) -> list[Path]:
    try:
        entries = sorted(os.scandir(inv), key=lambda e: e.name)
    except OSError as exc:
        problems.append(f"{rel(inv)}/: cannot be listed: {exc.strerror}. Fix: check the folder's mode (ls -ld {rel(inv)})")
        return []
    folders = []
    for entry in entries:
        if entry.name.startswith((".", "_")) or entry.name in (*SHARED_FILES, LOCAL_POLICY):
            continue  # a shared file that is a folder is reported as that file
        path = Path(entry.path)
        if _is_folder(path):
            folders.append(path)
        elif entry.is_symlink() and not path.exists():
            problems.append(f"{rel(path)}: is a symbolic link to nothing (or a loop). Fix: remove it, or point it at a region folder")
    return folders


def _load(root: Path) -> Catalog:
    problems: list[str] = []
    inv = root / "inventories"

    def rel(p: Path) -> str:
        return str(p.relative_to(root))

    def read(path: Path) -> Any | None:
        return read_catalog_file(path, rel(path), inv, problems)

    def typed(path: Path, model: type[M], data: Any | None = None) -> M | None:
        if data is None:
            data = read(path)
            if data is None:
                return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems.extend(_describe(exc, path, rel(path)))
            return None

    accelerators = typed(inv / "accelerators.yml", AcceleratorCatalog)
    partners = typed(inv / "partners.yml", PartnerCatalog)
    servers = typed(inv / "servers.yml", ServerModelCatalog)
    clouds = typed(inv / "clouds.yml", CloudCatalog)
    policy_data = read(inv / "policy.yml")
    overrides: list[PolicyOverride] = []
    local = inv / LOCAL_POLICY
    if os.path.lexists(local):
        policy_data, overrides = _apply_local_policy(local, rel(local), policy_data, read, problems)
    policy = typed(inv / "policy.yml", PolicySpec, policy_data) if policy_data is not None else None

    regions: dict[str, RegionSpec] = {}
    region_files: dict[str, Path] = {}
    for folder in _region_folders(inv, rel, problems):
        path = folder / "region.yml"
        if not os.path.lexists(path):
            problems.append(f"{rel(folder)}/: no region.yml; add one (see README.md, Catalog) or remove the folder")
            continue
        region = typed(path, RegionSpec)
        if region is None:
            continue
        if region.key != folder.name:
            problems.append(
                f"{rel(path)}:{_line_of(path, ('key',)) or 1}: key: {region.key!r} differs from its folder "
                f"{folder.name!r}. Fix: rename the folder or set key: {folder.name}"
            )
        if region.key in regions:
            problems.append(
                f"{rel(path)}: key: duplicate region key {region.key!r}, also declared in "
                f"{rel(region_files[region.key])}. Fix: give each region its own key"
            )
            continue
        regions[region.key] = region
        region_files[region.key] = path
    if not regions and not problems:
        problems.append(f"{rel(inv)}/: no region folders; add inventories/<region>/region.yml")
    if problems or accelerators is None or partners is None or policy is None or servers is None or clouds is None:
        raise CatalogError(problems)
    return Catalog(root, accelerators, partners, policy, regions, region_files, servers, clouds, overrides)


def _apply_local_policy(
    local: Path, shown: str, policy_data: Any | None, read: Any, problems: list[str]
) -> tuple[Any | None, list[PolicyOverride]]:
    """policy.local.yml over policy.yml's data: checked on its own (its errors are its own), every
    override recorded, and a relaxation that does not say so refused."""
    data = read(local)
    if data is None:
        return policy_data, []
    try:
        override = validate_override(data)
    except ValidationError as exc:
        problems.extend(_describe(exc, local, shown))
        return policy_data, []
    if not isinstance(policy_data, dict):
        return policy_data, []
    merged = merge_overrides(policy_data, override)
    for p in merged.problems:
        line = _line_of(local, p.key_path)
        where = f"{shown}:{line}" if line else shown
        problems.append(f"{where}: {_dotted(p.key_path)}: {p.message}. Fix: {p.fix}")
    found = [
        PolicyOverride(o.section, o.id, o.change, o.relaxes, o.reason, _line_of(local, _override_path(o))) for o in merged.overrides
    ]
    return merged.policy, found


def _override_path(o: PolicyOverride) -> tuple[str | int, ...]:
    if o.section == "export_control":
        return ("export_control",)
    return tuple(o.id.split(".", 1))


def read_catalog_file(path: Path, shown: str, inside: Path, problems: list[str]) -> Any | None:
    """A catalog file's YAML mapping, through the hardened reader (no links out of `inside`, no tags,
    anchors or aliases); None with a located line in `problems` when it cannot be."""
    try:
        text = files.read_text(path, shown, inside=inside)
        if files.is_blank(text):
            problems.append(f"{shown}: file is empty. Fix: fill it in (see README.md, Catalog) or remove it")
            return None
        data = files.parse_yaml(text, shown)
    except files.MissingFile:
        problems.append(f"{shown}: file is missing. Fix: restore it (git checkout -- {shown}) or create it")
        return None
    except files.FileProblem as exc:
        problems.append(str(exc))
        return None
    if not isinstance(data, dict):
        problems.append(f"{shown}:1: the top level is a {type(data).__name__}, not a mapping. Fix: start with `key: value` lines")
        return None
    return data


_FIXES = {
    "extra_forbidden": "remove it or correct its spelling (`regionkit schema` lists the keys)",
    "missing": "add it (`regionkit schema` shows its type)",
    "literal_error": "use one of the listed values",
    "string_pattern_mismatch": "use the documented format (`regionkit schema`)",
    "ip_v4_network": "write an IPv4 network such as 10.0.0.0/16 with no host bits set",
    "ip_v4_address": "write an IPv4 address such as 10.0.0.1",
    "plain_text": "write plain text on one line: no control or invisible characters, no {{ {% {# (they reach terminals and Ansible)",
    "finite_number": "write a finite number (not .inf or .nan)",
    "bool_type": "write true or false",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD",
}


def _describe(exc: ValidationError, path: Path, shown: str) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key_path = _dotted(loc)
        line = _line_of(path, loc)
        where = f"{shown}:{line}" if line else shown
        value = "" if err["type"] == "missing" else f" (got {_short(err.get('input'))})"
        fix = _FIXES.get(err["type"], "see `regionkit schema` for the expected type")
        if err["type"] == "string_type" and isinstance(err.get("input"), bool):
            fix = 'quote the value ("NO", "on"): YAML reads yes/no/on/off unquoted as true/false'
        elif err["type"] in ("int_type", "float_type") and isinstance(err.get("input"), bool):
            fix = "write a number: true and false are not counts"
        elif err["type"] in ("int_type", "float_type", "int_from_float") and isinstance(err.get("input"), str):
            fix = "write the number without quotes"
        lines.append(f"{where}: {key_path or '<top>'}: {err['msg']}{value}. Fix: {fix}")
    return lines


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@cache
def _line_index(path: Path, mtime_ns: int) -> yaml.Node | None:
    try:
        node: yaml.Node | None = yaml.compose(files.read_text(path), Loader=files.StrictLoader)
        return node
    except (files.FileProblem, yaml.YAMLError, RecursionError):
        return None


def _line_of(path: Path, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest node of `loc` that exists in the file."""
    try:
        node = _line_index(path, path.stat().st_mtime_ns)
    except OSError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == str(part)), None)
            key = next((k for k, _ in node.value if k.value == str(part)), None)
            if nxt is None or key is None:
                break
            line, node = key.start_mark.line + 1, nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
