"""The catalog as use cases read it: a region must validate before anything acts on it."""

from __future__ import annotations

from regionkit.catalog.validate import Finding, validate
from regionkit.errors import RegionkitError
from regionkit.services.session import Session


class InvalidRegion(RegionkitError):
    """Validation stops a use case on a region; `findings` say why, each on one located line."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


def require_valid(session: Session, key: str, purpose: str, also: tuple[str, ...] = ()) -> None:
    """Refuse `key` when validation finds errors (and warnings of the validator families in `also`)."""
    report = validate(session.catalog, [key])
    blocking = list(report.errors) + [f for f in report.warnings if f.validator.startswith(also)] if also else list(report.errors)
    if blocking:
        raise InvalidRegion(f"{key}: {len(blocking)} validation finding(s) stop it being {purpose}; fix them first", blocking)
