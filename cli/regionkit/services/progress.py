"""The port a use case reports progress through. The CLI implements it with rich; the default says
nothing (tests, other callers)."""

from __future__ import annotations

from regionkit.planning.results import HostResult


class Progress:
    """What a use case tells the person running it while it works. Every method may be ignored."""

    def status(self, message: str) -> None:
        """A transient status line (replaced by the next one)."""

    def note(self, message: str) -> None:
        """A line for the record."""

    def stage(self, index: int, total: int, name: str) -> None:
        """Stage `index` of `total` of a chain (deploy) begins."""

    def stage_done(self, name: str, seconds: float) -> None:
        """The stage ended well."""

    def output(self, line: str) -> None:
        """A line of an engine's own output (pulumi), as it prints it."""

    def host(self, host: str, result: HostResult) -> None:
        """A host's results so far, during a bootstrap run."""


SILENT = Progress()
