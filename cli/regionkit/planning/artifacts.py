"""Which vendor artifacts a pool needs from the region's mirror, named as the vendors name them.

NVIDIA's userspace comes from apt through the mirror (no artifact); the T-Head PPU SDK, Huawei's
CANN run-packages and AMD's ROCm/RCCL packages are artifacts in the S3 mirror, checksummed in
the region's manifest."""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.planning.outputs import PoolOutput


@dataclass(frozen=True)
class ArtifactPlan:
    """One vendor file a pool needs from the mirror: the manifest entry, the vendor's name, the object."""

    name: str  # manifest key the roles look up
    filename: str  # the vendor's file name
    version: str

    @property
    def ref(self) -> str:
        """The manifest entry: name@version (roles compute it from the pool's pins)."""
        return f"{self.name}@{self.version}"

    @property
    def key(self) -> str:
        """Object key in the mirror bucket."""
        return f"artifacts/{self.name}/{self.version}/{self.filename}"


def pool_artifacts(pool: PoolOutput) -> list[ArtifactPlan]:
    sw = pool.software
    driver, toolkit, collectives = sw.get("driver", ""), sw.get("toolkit", ""), sw.get("collectives", "")
    if pool.stack == "ppu":
        return [ArtifactPlan("ppu-sdk", f"PPU_SDK_{driver}_linux_x86_64.run", driver)]
    if pool.stack == "cann":
        return [
            ArtifactPlan("ascend-npu-driver", f"Ascend-hdk-910b-npu-driver_{driver}_linux-x86-64.run", driver),
            ArtifactPlan("ascend-npu-firmware", f"Ascend-hdk-910b-npu-firmware_{driver}.run", driver),
            ArtifactPlan("ascend-cann-toolkit", f"Ascend-cann-toolkit_{toolkit}_linux-x86_64.run", toolkit),
        ]
    if pool.stack == "rocm":
        return [
            ArtifactPlan("rocm-rocminfo", f"rocminfo_{driver}_amd64.deb", driver),
            ArtifactPlan("rocm-smi-lib", f"rocm-smi-lib_{driver}_amd64.deb", driver),
            ArtifactPlan("rocm-rccl", f"rccl_{collectives}_amd64.deb", collectives),
        ]
    return []


def region_artifacts(pools: list[PoolOutput]) -> list[ArtifactPlan]:
    """Every artifact the pools need, once each, in a stable order."""
    seen: dict[str, ArtifactPlan] = {}
    for pool in pools:
        for art in pool_artifacts(pool):
            seen.setdefault(art.key, art)
    return sorted(seen.values(), key=lambda a: a.key)
