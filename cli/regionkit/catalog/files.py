"""The one reader for every file regionkit is given: catalog files, `policy.local.yml`, stack files,
stack outputs, the lab's state, pins, secrets files, captured tool output.

A file that is not what it should be is one line naming it (`FileProblem`, exit 4), never a
traceback or a hang:

- only a regular file is read: a folder, FIFO, device or socket is refused before it is opened,
  and opened with O_NONBLOCK so a swap for a FIFO cannot block; a dangling or looping symbolic
  link is named as such; a link may be refused outright (`follow=False`: files regionkit writes
  itself) or must resolve inside a folder (`inside=`: a catalog file cannot be a link to
  /etc/shadow whose text would come back in an error message);
- at most `limit` bytes are read (limit + 1 are asked for, so the limit holds whatever the file
  says its size is);
- YAML is scanned as events before anything is built: nesting deeper than MAX_DEPTH, keys that are
  lists or maps, explicit tags (`!!python/object`, `!unsafe`, ...) unless allowed, and anchors and
  aliases (refused, or bounded in expansion where a file may use them) are refused with their line;
  duplicate keys and values Python cannot build (`2026-13-45`, a 5000-digit integer) too;
- JSON refuses NaN/Infinity, duplicate keys and nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from regionkit.errors import BadInputError

MAX_BYTES = 1024 * 1024  # a catalog file is a few KiB; 1 MiB means a mistake
MAX_DEPTH = 64  # the deepest catalog file nests 7 levels
MAX_EXPANDED_NODES = 100_000  # where aliases are allowed: nodes after expanding them
_CHUNK = 64 * 1024

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]


class FileProblem(BadInputError):
    """A file that cannot be read as what it should be: one line that names it (exit 4)."""


class MissingFile(FileProblem):
    """The file does not exist (callers often say how to make it)."""


# --- bytes -----------------------------------------------------------------------------------


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _os_problem(shown: str, exc: OSError, path: Path) -> FileProblem:
    code = exc.errno
    if code == errno.ENOENT:
        if os.path.islink(path):
            target = os.readlink(path)
            return FileProblem(f"{shown}: is a symbolic link to {target!r}, which does not exist. Fix: point it at the file itself")
        return MissingFile(f"{shown}: file is missing. Fix: create it, or point regionkit at the right folder")
    if code == errno.ELOOP:
        return FileProblem(f"{shown}: is a symbolic link that loops (or too many links deep). Fix: replace it with the file itself")
    if code in (errno.EACCES, errno.EPERM):
        return FileProblem(f"{shown}: cannot be read: permission denied. Fix: check the file's mode and its folders' (ls -ld)")
    if code == errno.ENOTDIR:
        return FileProblem(f"{shown}: a folder on its path is a file. Fix: correct the path")
    if code == errno.ENAMETOOLONG:
        return FileProblem(f"{shown}: the path is too long. Fix: correct the path")
    return FileProblem(f"{shown}: cannot be read: {exc.strerror or exc}. Fix: check the file and the disk it is on")


def _inside(path: Path, folder: Path, shown: str) -> None:
    try:
        real, base = path.resolve(strict=False), folder.resolve(strict=False)
    except (OSError, RuntimeError):
        raise FileProblem(f"{shown}: is a symbolic link that loops. Fix: replace it with the file itself") from None
    if real != base and base not in real.parents:
        raise FileProblem(
            f"{shown}: resolves to {real}, outside {base}; regionkit reads catalog files only from the catalog. "
            "Fix: copy the file in instead of linking to it"
        )


def read_bytes(
    path: Path,
    shown: str | None = None,
    *,
    limit: int = MAX_BYTES,
    follow: bool = True,
    inside: Path | None = None,
) -> bytes:
    """The bytes of a regular file, at most `limit` of them; FileProblem (one line) otherwise.

    `follow=False`: a symbolic link is refused (files regionkit writes itself are never links);
    `inside`: the file, links resolved, must lie in that folder."""
    shown = shown or str(path)
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        raise _os_problem(shown, exc, path) from None
    except ValueError:  # a NUL byte in the path
        raise FileProblem(f"{shown}: not a usable path. Fix: correct the path") from None
    if not follow and stat.S_ISLNK(info.st_mode):
        raise FileProblem(
            f"{shown}: is a symbolic link; regionkit writes this file itself and never reads it through a link. Fix: remove the link"
        )
    kind = _kind(info.st_mode)
    if kind:
        raise FileProblem(f"{shown}: is {kind}, not a file. Fix: put the file itself there")
    if inside is not None:
        _inside(path, inside, shown)
    if info.st_size > limit:
        raise FileProblem(f"{shown}: file is {info.st_size} bytes, over the {limit} byte limit. Fix: check what was written into it")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _os_problem(shown, exc, path) from None
    try:
        kind = _kind(os.fstat(fd).st_mode)  # swapped for something else since the stat above
        if kind:
            raise FileProblem(f"{shown}: is {kind}, not a file. Fix: put the file itself there")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise _os_problem(shown, exc, path) from None
    finally:
        os.close(fd)
    if total > limit:
        raise FileProblem(f"{shown}: file is over the {limit} byte limit. Fix: check what was written into it")
    return b"".join(chunks)


def decode(raw: bytes, shown: str) -> str:
    """UTF-8 text, or FileProblem naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(f"{shown}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8. Fix: save the file as UTF-8") from None


def read_text(path: Path, shown: str | None = None, **options: Any) -> str:
    """A regular file's UTF-8 text (see read_bytes for the options)."""
    return decode(read_bytes(path, shown, **options), shown or str(path))


# --- YAML ------------------------------------------------------------------------------------


class StrictLoader(_Loader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one), keys that are not
    plain values, and turns a value Python cannot build into a located error."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, RecursionError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {str(node.value)[:40]!r} ({_one_line(exc)[:80]})", node.start_mark
            ) from None


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a key is a list or a mapping; keys are plain text", key_node.start_mark
            )
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r} (first on line {seen[key]})", problem_mark=key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Ansible's own tags, where a file may carry them (tags=...): read as the text they mark.
for _tag in ("!unsafe", "!vault"):
    StrictLoader.add_constructor(_tag, yaml.SafeLoader.construct_scalar)


def _scan_yaml(text: str, shown: str, anchors: bool, tags: frozenset[str]) -> None:
    """Refuse what no catalog file needs, from the event stream (libyaml's parser keeps no recursion):
    deep nesting, keys that are collections, tags, anchors and aliases (or their expansion bounded)."""
    depth = 0
    expanded = 0
    sizes: dict[str, int] = {}
    frames: list[list[Any]] = []  # per open collection: [is_mapping, next_is_key, anchor, expanded at start]

    def fail(event: yaml.Event, what: str, fix: str) -> None:
        line = f":{event.start_mark.line + 1}" if event.start_mark is not None else ""
        raise FileProblem(f"{shown}{line}: {what}. Fix: {fix}")

    def node_starts(event: yaml.Event) -> None:
        if frames and frames[-1][0]:
            if frames[-1][1] and not isinstance(event, yaml.ScalarEvent):
                fail(event, "a key is a list, a mapping or an alias; keys are plain text", "write the key as plain text")
            frames[-1][1] = not frames[-1][1]

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent) and not isinstance(event, yaml.AliasEvent):
                tag = getattr(event, "tag", None)
                if tag is not None and tag not in tags:
                    shown_tag = tag.replace("tag:yaml.org,2002:", "!!")
                    fail(event, f"the tag {shown_tag} is not allowed", "remove the tag and write a plain value")
                if event.anchor is not None and not anchors:
                    fail(event, f"an anchor (&{event.anchor}) is not allowed here", "write each value out in full (no & and *)")
            if isinstance(event, yaml.AliasEvent):
                if not anchors:
                    fail(event, f"an alias (*{event.anchor}) is not allowed here", "write each value out in full (no & and *)")
                node_starts(event)
                if any(f[2] == event.anchor for f in frames):
                    fail(event, f"the alias *{event.anchor} refers to itself", "write the value out in full")
                expanded += sizes.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                node_starts(event)
                expanded += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                node_starts(event)
                depth += 1
                if depth > MAX_DEPTH:
                    fail(event, f"nests more than {MAX_DEPTH} levels deep", "flatten it: a catalog file nests a few levels")
                frames.append([isinstance(event, yaml.MappingStartEvent), True, event.anchor, expanded])
                expanded += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                _, _, anchor, start = frames.pop()
                if anchor is not None:
                    sizes[anchor] = expanded - start
            if expanded > MAX_EXPANDED_NODES and sizes:
                fail(event, f"expands to more than {MAX_EXPANDED_NODES} values through aliases", "write it out without nested aliases")
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, shown) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _yaml_problem(exc: yaml.YAMLError, shown: str) -> FileProblem:
    """PyYAML's error as one located line."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return FileProblem(f"{shown}: malformed YAML: {_one_line(exc)}. Fix: correct the YAML syntax")
    mark = exc.problem_mark or exc.context_mark
    where = f"{shown}:{mark.line + 1}" if mark else shown
    if isinstance(exc, yaml.constructor.ConstructorError):
        return FileProblem(f"{where}: {exc.problem or exc.context}. Fix: correct the value")
    return FileProblem(f"{where}: malformed YAML: {exc.problem or exc.context}. Fix: correct the YAML syntax")


def parse_yaml(text: str, shown: str, *, anchors: bool = False, tags: Iterable[str] = ()) -> Any:
    """One YAML document, checked (see the module's docstring) before it is built."""
    _scan_yaml(text, shown, anchors, frozenset(tags))
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, shown) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise FileProblem(f"{shown}: a value cannot be read: {_one_line(exc)}. Fix: correct it") from None


def read_yaml(path: Path, shown: str | None = None, *, anchors: bool = False, tags: Iterable[str] = (), **options: Any) -> Any:
    """A file's one YAML document, hardened (see read_bytes and parse_yaml for the options)."""
    shown = shown or str(path)
    return parse_yaml(read_text(path, shown, **options), shown, anchors=anchors, tags=tags)


def is_blank(text: str) -> bool:
    """Nothing but blank lines and comments."""
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())


# --- JSON ------------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number regionkit accepts")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_json(text: str, shown: str) -> Any:
    """One JSON document: no NaN or Infinity, no duplicate keys, at most MAX_DEPTH deep."""
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"{shown}:{exc.lineno}: malformed JSON: {exc.msg}. Fix: restore or re-create the file") from None
    except (ValueError, RecursionError) as exc:
        raise FileProblem(
            f"{shown}: malformed JSON: {_one_line(exc) or 'nested too deep'}. Fix: restore or re-create the file"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise FileProblem(f"{shown}: nests more than {MAX_DEPTH} levels deep. Fix: restore or re-create the file")
    return data


def read_json(path: Path, shown: str | None = None, **options: Any) -> Any:
    """A file's JSON document, hardened (see read_bytes for the options)."""
    shown = shown or str(path)
    return parse_json(read_text(path, shown, **options), shown)
