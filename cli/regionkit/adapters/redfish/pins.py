"""TLS certificates of BMCs, pinned on first contact as SSH pins host keys: a file of
`<address>:<port> sha256:<hex>` lines, written atomically, private to the user."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from regionkit.catalog import files
from regionkit.errors import RegionkitError


class PinStore:
    """The pins of one pin file; safe to share between the threads of one handover.

    `writer(path, text)` writes the file (the workspace's atomic private write); without one the
    store writes it itself."""

    def __init__(self, path: Path, writer: Callable[[Path, str], object] | None = None) -> None:
        self.path = path
        self._writer = writer
        self._lock = threading.Lock()
        self._pins: dict[str, str] = {}
        if os.path.lexists(path):
            for line in files.read_text(path, follow=False).splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1].startswith("sha256:"):
                    self._pins[parts[0]] = parts[1].removeprefix("sha256:")

    def get(self, endpoint: str) -> str | None:
        with self._lock:
            return self._pins.get(endpoint)

    def pin(self, endpoint: str, fingerprint: str) -> None:
        """Record a first contact (never replaces a pin: a changed certificate is refused, not re-pinned)."""
        with self._lock:
            if endpoint in self._pins:
                return
            self._pins[endpoint] = fingerprint
            self._write()

    def _write(self) -> None:
        text = "".join(f"{ep} sha256:{fp}\n" for ep, fp in sorted(self._pins.items()))
        if self._writer is not None:
            self._writer(self.path, text)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".pins-")  # created 0600
        except OSError as exc:
            raise RegionkitError(f"{self.path}: cannot write the BMC pins: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:  # a full disk: the old pins stay whole
            Path(tmp).unlink(missing_ok=True)
            raise RegionkitError(f"{self.path}: cannot write the BMC pins: {exc.strerror or exc}; nothing was written") from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
