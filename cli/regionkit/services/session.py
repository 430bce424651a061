"""A session: the catalog root a command works on, its catalog (loaded once), its workspace, the
content regionkit ships, and the progress port. Every use case takes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from regionkit.catalog.load import Catalog, load_catalog
from regionkit.content import Content, content_root
from regionkit.services.progress import SILENT, Progress
from regionkit.workspace import Workspace


@dataclass
class Session:
    root: Path  # the catalog root (the folder with inventories/)
    progress: Progress = SILENT
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.root)
        return self._catalog

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root)

    @property
    def content(self) -> Content:
        return content_root()

    def region_folder(self, region: str) -> Path:
        return self.root / "inventories" / region
