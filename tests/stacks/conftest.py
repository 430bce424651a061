"""Pulumi mocks are process-global: every test gets fresh mocks and config, reset afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import settings as pulumi_settings

from ..conftest import REPO


@pytest.fixture(autouse=True)
def fresh_pulumi_runtime() -> Iterator[None]:
    pulumi_settings.reset_options()
    pulumi.runtime.set_all_config({})
    yield
    pulumi_settings.reset_options()
    pulumi.runtime.set_all_config({})


@pytest.fixture
def stack_root(catalog_root: Path) -> Path:
    """A copy of the catalog plus stacks/, to plant changes in (the program loads the catalog beside it)."""
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return catalog_root
