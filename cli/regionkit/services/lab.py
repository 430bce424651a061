"""The lab: local hosts that stand in for a partner's handover (`lab up|down|status`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regionkit.adapters.lab import hosts as lab
from regionkit.planning.lab import LabPlan, lab_outputs, plan_lab
from regionkit.services.hosts import lab_holds
from regionkit.services.inventory import inventory_path, region_hosts
from regionkit.services.session import Session


@dataclass(frozen=True)
class LabUp:
    plan: LabPlan
    inventory: Path
    up_s: float
    image_built_s: float | None


def paths(session: Session) -> lab.LabPaths:
    return lab.LabPaths(session.workspace)


def lab_up(session: Session, nodes: int | None = None) -> LabUp:
    """Build the lab's hosts, its mirror (apt proxy + S3) and their inventory. Needs root."""
    plan = plan_lab(session.catalog, nodes)
    state = lab.lab_up(plan, paths(session), session.progress.status, lab_outputs(plan).model_dump(mode="json"))
    hosts = region_hosts(session, plan.region)
    return LabUp(plan, hosts.path, float(state.get("up_s") or 0.0), state.get("image_built_s"))


def lab_down(session: Session) -> dict[str, int]:
    """Remove everything the lab made, and the inventory that pointed at its hosts. Idempotent."""
    region = lab_holds(session) or "lab"
    removed = lab.lab_down(paths(session), plan_lab(session.catalog))
    inventory_path(session, region).unlink(missing_ok=True)
    return removed


def lab_status(session: Session) -> tuple[lab.LabStatus, str | None]:
    """The lab's hosts and mirror, and the region they stand for (None: the lab is down)."""
    return lab.lab_status(paths(session)), lab_holds(session)
