"""The Ansible collection built from this repository (regionkit.accelerators): its plugins,
loaded the way Ansible loads them, and the collection as ansible-galaxy builds it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ..conftest import REPO

PLUGINS = REPO / "plugins"
VENV_BIN = Path(sys.executable).parent


def plugin(kind: str, name: str) -> ModuleType:
    """A plugin module of the collection, imported from its file."""
    spec = importlib.util.spec_from_file_location(f"regionkit_test_{kind}_{name}", PLUGINS / kind / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
