"""The workspace: every path regionkit writes under `<catalog root>/.regionkit/`, and how it
writes them.

- Folders are created private to the user (0700): they hold lab keys, state and run logs.
- Files are written atomically (a private temp file in the same folder, then a rename), so a
  reader sees the old file or the new one, never half of one; a rename never writes through a
  symlink, and no write lands outside the folder it was meant for.
- Run folders are named `<region>-<UTC stamp>` (`lab-20261206T140501.123Z`), one clock for all.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from regionkit.errors import BadInputError, RegionkitError

FOLDER = ".regionkit"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def utc_stamp(now: dt.datetime | None = None) -> str:
    """`20261206T140501.123Z`: sortable, unique to the millisecond, always UTC."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%S.") + f"{moment.microsecond // 1000:03d}Z"


def _inside(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
    except ValueError:
        return False
    return True


def make_private_dir(path: Path, base: Path) -> Path:
    """Create `path` (and its parents below `base`) as 0700 folders; refuse a symlink on the way.

    `base` must exist. The check is on the path as written, folder by folder, so a symlink planted
    inside the catalog cannot send a write elsewhere; `base` itself may sit behind one."""
    base, target = Path(os.path.abspath(base)), Path(os.path.abspath(path))
    if not _inside(target, base):
        raise RegionkitError(f"{path}: outside {base}; refusing to write there")
    current = base
    parts = target.relative_to(base).parts
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise RegionkitError(f"{current}: is a symbolic link; regionkit writes only into real folders (remove the link)")
        try:
            current.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            if not current.is_dir():
                raise RegionkitError(f"{current}: exists and is not a folder; move it away") from None
            if parts[0] == FOLDER:
                _tighten(current)
        except OSError as exc:
            raise RegionkitError(f"{current}: cannot create the folder: {exc.strerror}") from None
    return current


def _tighten(folder: Path) -> None:
    """A workspace folder made open by someone else (an older regionkit, a tool's `mkdir -p`) is made
    private again: what is inside may be secret."""
    try:
        if os.lstat(folder).st_mode & 0o077:
            os.chmod(folder, PRIVATE_DIR)
    except OSError as exc:
        raise RegionkitError(f"{folder}: cannot make the folder private (0700): {exc.strerror}") from None


def write_atomic(path: Path, data: str | bytes, *, base: Path, mode: int = PRIVATE_FILE) -> Path:
    """Write `data` to `path` (inside `base`) atomically: a temp file created with `mode` in the same
    folder, flushed to disk, then renamed over the target. Never follows a symlink."""
    folder = make_private_dir(path.parent, base)
    target = folder / path.name
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise RegionkitError(f"{target}: is not a regular file (a link, folder or device); remove it and re-run")
    return _replace(target, data, mode)


def _replace(target: Path, data: str | bytes, mode: int) -> Path:
    """The atomic write itself: temp file beside the target (created private, then given `mode`),
    fsync, rename. On any failure (a full disk, ^C) the temp file is removed and the target is as it was."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise RegionkitError(f"{target}: cannot write it: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RegionkitError(f"{target}: cannot write it: {exc.strerror or exc}; nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def check_output(path: Path) -> Path:
    """A file the user named for a report (--output, --junit), checked before the work starts: not a
    symbolic link (never written through), not a folder or device, not read-only."""
    target = Path(os.path.abspath(path))
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise BadInputError(f"{path}: cannot be checked ({exc.strerror}); name a file in a folder you can write") from None
    if stat.S_ISLNK(info.st_mode):
        raise BadInputError(
            f"{path}: is a symbolic link; regionkit never writes through one. Name the file itself, or remove the link"
        )
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(f"{path}: exists and is not a regular file (a folder, device or pipe); name a file")
    if not info.st_mode & 0o222 or (os.geteuid() != 0 and not os.access(target, os.W_OK)):
        raise BadInputError(f"{path}: is read-only; make it writable or name another file")
    return target


def write_output(path: Path, data: str | bytes, mode: int = 0o644) -> Path:
    """Write a report where the user asked (--output, --junit): checked as check_output does, its
    folder created if missing, the file replaced atomically (a rename never follows a link)."""
    target = check_output(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegionkitError(f"{target.parent}: cannot create the folder: {exc.strerror or exc}") from None
    return _replace(target, data, mode)


@dataclass(frozen=True)
class Workspace:
    """`<catalog root>/.regionkit/`: what regionkit keeps between runs, one path per fact."""

    catalog_root: Path

    @property
    def root(self) -> Path:
        return self.catalog_root / FOLDER

    def folder(self, *parts: str) -> Path:
        """A private folder under the workspace, created if missing."""
        return make_private_dir(self.root.joinpath(*parts), self.catalog_root)

    def write(self, path: Path, data: str | bytes, mode: int = PRIVATE_FILE) -> Path:
        """Write a file under the catalog root (workspace or inventories), atomically."""
        return write_atomic(path, data, base=self.catalog_root, mode=mode)

    def run_folder(self, kind: str, region: str | None = None) -> Path:
        """A new folder for one run's artifacts: `<kind>/<region>-<UTC stamp>`."""
        name = f"{region}-{utc_stamp()}" if region else utc_stamp()
        parent = self.folder(*kind.split("/"))
        for attempt in range(100):
            candidate = parent / (name if attempt == 0 else f"{name}-{attempt}")
            try:
                candidate.mkdir(mode=PRIVATE_DIR)
                return candidate
            except FileExistsError:
                continue
        raise RegionkitError(f"{parent}: cannot find a free run folder name for {name}")

    # --- the workspace's fixed places -----------------------------------------------------

    @property
    def lab_dir(self) -> Path:
        """The lab adapter's folder (its state, keys and hosts)."""
        return self.root / "lab"

    def stand_in_artifacts_dir(self) -> Path:
        """Where the lab builds its stand-ins for vendor artifacts."""
        return self.folder("lab", "artifacts")

    @property
    def state_dir(self) -> Path:
        """Pulumi's file backend, unless a --backend URL names another."""
        return self.folder("state")

    def facts_dir(self, region: str) -> Path:
        """Ansible's fact cache for a region, kept across runs."""
        return self.folder("facts", region)

    def outputs_file(self, region: str) -> Path:
        """The region's stack outputs as last read from its deployed stack."""
        return self.root / "outputs" / f"{region}.json"

    def policy_config(self, region: str) -> Path:
        """The policy pack's configuration for one region's preview/up."""
        return self.root / "policy" / f"{region}.json"

    def bmc_pins(self) -> Path:
        """BMC TLS certificates pinned on first contact (handover): `<address>:<port> sha256:<hex>` lines."""
        return self.root / "bmc" / "pins"

    def handover_record(self, region: str) -> Path:
        """The region's latest handover verdict per server, which the inventory reads (handover)."""
        return self.root / "handover" / f"{region}.json"
