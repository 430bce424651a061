"""testinfra suites that `regionkit verify` runs against a region's hosts.

Host-agnostic: every expectation comes from the host's inventory variables (the pool's pins,
vendor, floors). Run through `regionkit verify REGION`, which sets:
  REGIONKIT_INVENTORY  the region's hosts.yml
  REGIONKIT_FIGURES    a JSON file the collective level writes its figures to
A device check with no device is skipped with a reason ("not verified: no device"); the report
shows it as not verified, never as passed.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

INVENTORY = os.environ.get("REGIONKIT_INVENTORY", "")


@pytest.fixture
def hostvars(host: Any) -> dict[str, Any]:
    variables: dict[str, Any] = host.ansible.get_variables()
    return variables


def not_verified(what: str) -> None:
    pytest.skip(f"not verified: {what}")
