"""The seam: where a region's hosts come from is decided once, from the catalog and the lab's state;
every place hands over the same StackOutputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regionkit.adapters.lab.hosts import LabPaths
from regionkit.errors import BadInputError
from regionkit.planning.lab import lab_outputs, plan_lab
from regionkit.services.hosts import LabHosts, PlanHosts, StackHosts, hosts_for
from regionkit.services.inventory import region_hosts
from regionkit.services.session import Session


def lab_state(session: Session, outputs: dict[str, object]) -> None:
    """A lab that is up, as the lab adapter records it (hosts and the outputs it was built for)."""
    paths = LabPaths(session.workspace)
    state = {"hosts": {"h": {}}, "outputs": outputs, "s3": {"access_key": "rkAK", "secret_key": "lab-secret-value"}}
    session.workspace.write(paths.state_file, json.dumps(state))


def test_a_region_without_a_cloud_gets_the_lab(catalog_root: Path) -> None:
    session = Session(catalog_root)
    assert isinstance(hosts_for(session, "lab"), LabHosts)
    with pytest.raises(BadInputError, match="the lab is down; run `regionkit lab up` first"):
        hosts_for(session, "lab").outputs()


def test_a_cloud_region_gets_its_stack_and_says_how_to_get_outputs(catalog_root: Path) -> None:
    session = Session(catalog_root)
    source = hosts_for(session, "br-sao-1")
    assert isinstance(source, StackHosts) and source.credentials() == {}
    with pytest.raises(BadInputError, match=r"no stack outputs yet; run `regionkit up br-sao-1`.*lab up --region br-sao-1"):
        source.outputs()
    assert isinstance(hosts_for(session, "br-sao-1", "plan"), PlanHosts)


def test_the_lab_up_gives_the_same_contract_and_writes_the_inventory(catalog_root: Path) -> None:
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog)).model_dump(mode="json"))
    hosts = region_hosts(session, "lab")
    assert hosts.source.origin == "lab" and hosts.hosts == ["laba-asc-01", "laba-nv-01", "labb-amd-01", "labb-ppu-01"]
    assert hosts.path == catalog_root / "inventories" / "lab" / "hosts.yml" and hosts.path.is_file()
    assert hosts.source.credentials()["AWS_SECRET_ACCESS_KEY"] == "lab-secret-value"
    assert "lab-secret-value" in hosts.source.secrets()
    assert "lab-secret-value" not in hosts.path.read_text()  # the keys reach Ansible through the environment


def test_lab_hosts_standing_in_for_a_region_are_chosen_for_it(catalog_root: Path) -> None:
    session = Session(catalog_root)
    outputs = lab_outputs(plan_lab(session.catalog)).model_copy(update={"region": "br-sao-1"})
    lab_state(session, outputs.model_dump(mode="json"))
    source = hosts_for(session, "br-sao-1")
    assert isinstance(source, LabHosts) and source.outputs().region == "br-sao-1"
    assert source.connection()["node_baseline_time_sync_enabled"] is False  # the lab's own settings, from its group vars
    with pytest.raises(BadInputError, match="the lab stands in for br-sao-1, not lab"):
        hosts_for(session, "lab").outputs()
