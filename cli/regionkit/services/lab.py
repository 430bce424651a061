"""The lab: local hosts that stand in for a partner's handover (`lab up|down|status`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regionkit.adapters.lab import hosts as lab
from regionkit.adapters.lab.bmcs import set_fault as lab_bmc_faults
from regionkit.adapters.redfish.secrets import read_secret
from regionkit.catalog.model import SecretRefSpec
from regionkit.errors import BadInputError
from regionkit.planning.lab import LabPlan, lab_outputs, plan_lab
from regionkit.services.handover import forget
from regionkit.services.hosts import hosts_for, lab_holds
from regionkit.services.inventory import inventory_path, region_hosts
from regionkit.services.session import Session

if TYPE_CHECKING:
    from regionkit.adapters.redfish.emulator import BmcIdentity


@dataclass(frozen=True)
class LabUp:
    plan: LabPlan
    inventory: Path
    up_s: float
    image_built_s: float | None
    bmcs: int = 0


def paths(session: Session) -> lab.LabPaths:
    return lab.LabPaths(session.workspace)


def _lab_password(session: Session, ref: SecretRefSpec, what: str) -> str:
    """A BMC password of the lab: from the environment, or from the file the catalog names, which
    the lab creates (0600, random) the first time."""
    if ref.file is not None:
        path = Path(ref.file).expanduser()
        path = path if path.is_absolute() else session.root / path
        if not path.exists():
            session.workspace.write(path, secrets.token_urlsafe(18) + "\n")
    return read_secret(ref, session.root, what=f"lab {what}").value


def lab_bmcs(session: Session, plan: LabPlan) -> list[BmcIdentity]:
    """An emulated BMC per lab host whose pool lists it (the lab's manifest, as sized): its identity
    from the manifest entry and the server model, its password the lab's factory password."""
    spec = plan.spec
    if spec is None or spec.handover is None or not any(p.handover for p in spec.pools):
        return []
    from regionkit.adapters.redfish.emulator import identity_from_manifest  # the lab extra

    access = spec.handover
    factory = _lab_password(session, access.credentials.password, "factory BMC password")
    if access.rotate_to is not None:  # ready for `handover lab --rotate`
        _lab_password(session, access.rotate_to, "site BMC password (rotate_to)")
    models = session.catalog.servers.models
    return [
        identity_from_manifest(
            entry,
            models[entry.model],
            username=entry.credentials.username if entry.credentials else access.credentials.username,
            password=_lab_password(session, entry.credentials.password, f"{entry.hostname} BMC password")
            if entry.credentials
            else factory,
            port=access.port,
            accelerator_model=pool.accelerator,
        )
        for pool in spec.pools
        for entry in pool.handover
    ]


def lab_up(session: Session, nodes: int | None = None, region: str = "lab", per_pool: int | None = None) -> LabUp:
    """Build the lab's hosts, its mirror (apt proxy + S3), a BMC per host and their inventory. Needs root.
    With a `region` other than `lab`, the hosts stand in for that region's pools (`per_pool` each)."""
    plan = plan_lab(session.catalog, nodes, region, per_pool)
    lab.require_root()
    bmcs = lab_bmcs(session, plan)
    state = lab.lab_up(plan, paths(session), session.progress.status, lab_outputs(plan).model_dump(mode="json"), bmcs)
    hosts = region_hosts(session, plan.region)
    return LabUp(plan, hosts.path, float(state.get("up_s") or 0.0), state.get("image_built_s"), len(bmcs))


def lab_down(session: Session) -> dict[str, int]:
    """Remove everything the lab made, the inventory that pointed at its hosts and their handover
    verdicts (the hosts are gone). Idempotent."""
    try:
        region = lab_holds(session)
    except BadInputError:  # a state that cannot be read: down cleans up anyway, by process and name
        region = None
    inventory = inventory_path(hosts_for(session, region)) if region else session.region_folder("lab") / "hosts.yml"
    removed = lab.lab_down(paths(session), plan_lab(session.catalog))
    inventory.unlink(missing_ok=True)
    forget(session, region or "lab")
    return removed


def lab_fault(session: Session, host: str, kind: str, on: bool = True) -> list[str]:
    """Switch a fault on a lab host's BMC (each makes handover reject it in its own way); returns
    the faults the BMC has now."""
    state = lab.up_state(paths(session))
    return lab_bmc_faults(session.workspace, session.workspace.lab_dir, state, host, kind, on)


def lab_status(session: Session) -> tuple[lab.LabStatus, str | None]:
    """The lab's hosts and mirror, and the region they stand for (None: the lab is down)."""
    return lab.lab_status(paths(session)), lab_holds(session)
