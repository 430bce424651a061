"""What the scenarios' testinfra checks share: a host's variable as Ansible gives it to the roles
(the rendered inventory marks its values unsafe, and testinfra's raw reading of the inventory
returns them wrapped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def variable(host: Any) -> Callable[[str], Any]:
    def read(name: str) -> Any:
        return host.ansible("debug", f"var={name}", check=False)[name]

    return read
