"""Find and load the catalog: shared files plus one region.yml per region folder.

Every problem becomes one located line (`file:line: key.path: what is wrong. Fix: ...`) and
all problems of a load are raised together as one `CatalogError` (exit 4).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from regionkit.catalog.model import (
    AcceleratorCatalog,
    CloudCatalog,
    PartnerCatalog,
    PolicySpec,
    RegionSpec,
    ServerModelCatalog,
)
from regionkit.errors import BadInputError, CatalogError

# The shared catalog files every catalog root holds beside its region folders.
SHARED_FILES = ("accelerators.yml", "partners.yml", "policy.yml", "servers.yml", "clouds.yml")
MAX_FILE_BYTES = 1024 * 1024  # a region declaration is a few KiB; 1 MiB means a mistake
ROOT_ENV = "REGIONKIT_ROOT"

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
M = TypeVar("M", bound=BaseModel)


class _StrictLoader(_Loader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r} (first on line {seen[key]})",
                problem_mark=key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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


def find_root(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """The folder that holds `inventories/`: --root, then $REGIONKIT_ROOT, then cwd upward."""
    chosen = explicit or os.environ.get(ROOT_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        if not (root / "inventories").is_dir():
            raise BadInputError(
                f"{root}: no inventories/ folder here; point --root or {ROOT_ENV} at the folder that holds inventories/"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "inventories").is_dir():
            return candidate
    raise BadInputError(
        f"{here}: no inventories/ folder here or above; make a site with `regionkit init DIR` and run inside it, or pass --root PATH"
    )


def load_catalog(root: Path) -> Catalog:
    """Load and type-check every catalog file under `root`; raise CatalogError listing all problems."""
    with paused_gc():
        return _load(root)


def _load(root: Path) -> Catalog:
    problems: list[str] = []
    inv = root / "inventories"

    def rel(p: Path) -> str:
        return str(p.relative_to(root))

    def typed(path: Path, model: type[M], data: Any | None = None) -> M | None:
        if data is None:
            data = _read_yaml(path, rel(path), problems)
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
    policy_data = _read_yaml(inv / "policy.yml", rel(inv / "policy.yml"), problems)
    local = inv / "policy.local.yml"
    if policy_data is not None and local.exists():
        override = _read_yaml(local, rel(local), problems)
        if isinstance(override, dict) and isinstance(policy_data, dict):
            policy_data = merge_policy(policy_data, override)
    policy = typed(inv / "policy.yml", PolicySpec, policy_data) if policy_data is not None else None

    regions: dict[str, RegionSpec] = {}
    files: dict[str, Path] = {}
    folders = sorted(p for p in inv.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in folders:
        path = folder / "region.yml"
        if not path.exists():
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
                f"{rel(files[region.key])}. Fix: give each region its own key"
            )
            continue
        regions[region.key] = region
        files[region.key] = path
    if not regions and not problems:
        problems.append(f"{rel(inv)}/: no region folders; add inventories/<region>/region.yml")
    if problems or accelerators is None or partners is None or policy is None or servers is None or clouds is None:
        raise CatalogError(problems)
    return Catalog(root, accelerators, partners, policy, regions, files, servers, clouds)


def merge_policy(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """policy.local.yml over policy.yml: export rules replace by id, mapping sections key by key."""
    merged = dict(base)
    for section, value in override.items():
        if section == "export_control" and isinstance(value, list):
            rules = {r.get("id"): r for r in base.get("export_control", []) if isinstance(r, dict)}
            for rule in value:
                if isinstance(rule, dict):
                    rules[rule.get("id")] = rule
            merged[section] = list(rules.values())
        elif isinstance(value, dict) and isinstance(base.get(section), dict):
            merged[section] = {**base[section], **value}
        else:
            merged[section] = value
    return merged


def _read_yaml(path: Path, shown: str, problems: list[str]) -> Any | None:
    if not path.exists():
        problems.append(f"{shown}: file is missing. Fix: restore it (git checkout -- {shown}) or create it")
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(
            f"{shown}: file is {size} bytes, over the {MAX_FILE_BYTES} byte limit. "
            "Fix: a catalog file is a few KiB; check what was written into it"
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(f"{shown}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8. Fix: save the file as UTF-8")
        return None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        problems.append(f"{shown}: file is empty. Fix: fill it in (see README.md, Catalog) or remove it")
        return None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}" if mark else shown
        problems.append(f"{where}: malformed YAML: {exc.problem or exc.context}. Fix: correct the YAML syntax")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{shown}: malformed YAML: {exc}. Fix: correct the YAML syntax")
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
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
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
