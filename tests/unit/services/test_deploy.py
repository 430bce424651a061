"""deploy picks the hosts stage through the seam: a stack's `up`, the lab's own `lab up`, or nothing
when lab stand-ins hold the region; every later stage is the same function for all of them."""

from __future__ import annotations

from pathlib import Path

from regionkit.planning.lab import lab_outputs, plan_lab
from regionkit.services.deploy import _hosts_stage
from regionkit.services.session import Session

from .test_hosts import lab_state


def test_a_cloud_region_without_stand_ins_starts_with_up_and_names_the_rehearsal(catalog_root: Path) -> None:
    stage = _hosts_stage(Session(catalog_root), "de-fra-1", None, False)
    assert stage is not None and stage.name == "up"
    assert stage.resume == "regionkit up de-fra-1 (or rehearse on lab stand-ins: regionkit lab up --region de-fra-1)"


def test_stand_ins_stand_in_for_up_and_the_lab_region_needs_its_own_hosts(catalog_root: Path) -> None:
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="de-fra-1")).model_dump(mode="json"))
    assert _hosts_stage(session, "de-fra-1", None, False) is None
    other = _hosts_stage(session, "br-sao-1", None, False)  # the lab holds another region: br-sao-1 needs its stack
    assert other is not None and other.name == "up"
    lab = _hosts_stage(session, "lab", None, False)
    assert lab is not None and lab.name == "lab up"
