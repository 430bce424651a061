"""Which vendor artifacts a region's pools need from its mirror, named as the vendors name them."""

from __future__ import annotations

from regionkit.catalog.load import load_catalog
from regionkit.planning.artifacts import region_artifacts
from regionkit.planning.lab import lab_outputs, plan_lab
from regionkit.planning.outputs import pool_output
from regionkit.planning.servers import plan_pools

from ...conftest import REPO

CATALOG = load_catalog(REPO)
LAB_POOLS = lab_outputs(plan_lab(CATALOG)).pools


def test_lab_needs_the_vendor_artifacts_in_vendor_names() -> None:
    names = [a.filename for a in region_artifacts(LAB_POOLS)]
    assert names == [
        "Ascend-cann-toolkit_8.1.RC1_linux-x86_64.run",
        "Ascend-hdk-910b-npu-driver_25.0.rc1_linux-x86-64.run",
        "Ascend-hdk-910b-npu-firmware_25.0.rc1.run",
        "PPU_SDK_1.6.2_linux_x86_64.run",
        "rccl_2.22.3_amd64.deb",
        "rocminfo_6.4.0_amd64.deb",
        "rocm-smi-lib_6.4.0_amd64.deb",
    ]


def test_nvidia_pools_need_no_artifact() -> None:
    pools = [pool_output(p) for p in plan_pools(CATALOG, CATALOG.region("gb-lon-1"))]
    assert region_artifacts(pools) == []
