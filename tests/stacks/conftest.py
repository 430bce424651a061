"""Pulumi mocks are process-global: every test gets fresh mocks and config, reset afterwards.

Stacks are synthesized per (region, link state) from copies of the catalog whose zones' links are
put in that state, once per session, in both engine modes (update and preview)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import settings as pulumi_settings

from regionkit.adapters.pulumi.mock_engine import Synthesis, synthesize
from regionkit.catalog.load import Catalog, load_catalog

from ..conftest import REPO

STATES = ("planned", "ordered", "enabled")
CATALOG = load_catalog(REPO)
APPLYABLE = sorted(k for k, r in CATALOG.regions.items() if r.status != "planned" and r.cloud.backend != "none")


def link_in(state: str, backend: str, index: int) -> dict[str, Any]:
    """A zone's link in `state`, with values each cloud accepts (pulumi_alicloud / pulumi_aws docstrings)."""
    if state == "planned":
        return {}
    link: dict[str, Any] = {
        "state": state,
        "location": f"ap-test-{index}" if backend == "alicloud" else f"EqTst{index}",
        "port": "10GBase-LR" if backend == "alicloud" else "10Gbps",
    }
    if state == "enabled":
        link.update(vlan_id=2990 + index if backend == "alicloud" else 4000 + index, peer_asn=64600 + index)
    return link


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


class StateCatalogs:
    """Per (region, state): a catalog root with that region's links in that state, its loaded
    catalog, and its syntheses (cached for the session)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._roots: dict[tuple[str, str], Path] = {}
        self._synth: dict[tuple[str, str, bool], Synthesis] = {}

    def root(self, key: str, state: str) -> Path:
        if (key, state) not in self._roots:
            root = self.base / f"{key}-{state}"
            shutil.copytree(REPO / "inventories", root / "inventories", ignore=shutil.ignore_patterns("hosts.yml", "group_vars"))
            shutil.copytree(REPO / "stacks", root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
            path = root / "inventories" / key / "region.yml"
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            backend = data["cloud"]["backend"]
            for i, zone in enumerate(data["zones"]):
                if state != "planned":
                    zone["link"] = link_in(state, backend, i)
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            self._roots[(key, state)] = root
        return self._roots[(key, state)]

    def catalog(self, key: str, state: str) -> Catalog:
        return load_catalog(self.root(key, state))

    def synth(self, key: str, state: str, preview: bool = False) -> Synthesis:
        if (key, state, preview) not in self._synth:
            self._synth[(key, state, preview)] = synthesize(self.root(key, state) / "stacks", key, preview=preview)
        return self._synth[(key, state, preview)]


@pytest.fixture(scope="session")
def states(tmp_path_factory: pytest.TempPathFactory) -> StateCatalogs:
    return StateCatalogs(tmp_path_factory.mktemp("states"))


Synth = Callable[[str, str], Synthesis]
