"""The one exception family that crosses layers; the CLI maps each class to an exit code."""

from __future__ import annotations

# Exit codes shared by every command (DESIGN.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_DRIFT = 2
EXIT_UNREACHABLE = 3
EXIT_BAD_INPUT = 4


class RegionkitError(Exception):
    """An error meant for a person: one line, saying what is wrong and what to do."""

    exit_code = EXIT_FAILED


class BadInputError(RegionkitError):
    """Malformed catalog or arguments (exit 4)."""

    exit_code = EXIT_BAD_INPUT


class CatalogError(BadInputError):
    """One or more catalog problems, each a located one-line message."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class EngineMissingError(RegionkitError):
    """A production engine (the pulumi CLI, ansible) is not installed."""


class HostsUnreachableError(RegionkitError):
    """Hosts could not be reached (exit 3)."""

    exit_code = EXIT_UNREACHABLE
