"""ComponentResources, one per concept: Region, Zone, AcceleratorPool, ArtifactMirror."""

from components.mirror import ArtifactMirror
from components.pool import AcceleratorPool
from components.region import Region
from components.zone import Zone

__all__ = ["AcceleratorPool", "ArtifactMirror", "Region", "Zone"]
