"""The seam: where a region's hosts come from is decided once, from the catalog and the lab's state;
every place hands over the same StackOutputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from regionkit.adapters.lab.hosts import LabPaths
from regionkit.errors import BadInputError
from regionkit.planning.inventory import NO_DEVICES_BY_DESIGN
from regionkit.planning.lab import lab_outputs, plan_lab
from regionkit.services.hosts import LabHosts, PlanHosts, StackHosts, hosts_for
from regionkit.services.inventory import pins_path, region_hosts
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
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="br-sao-1")).model_dump(mode="json"))
    source = hosts_for(session, "br-sao-1")
    assert isinstance(source, LabHosts) and source.outputs().region == "br-sao-1"
    with pytest.raises(BadInputError, match="the lab stands in for br-sao-1, not lab"):
        hosts_for(session, "lab").outputs()


def test_a_rehearsal_inventory_lives_in_the_workspace_with_the_regions_overrides_then_the_labs(catalog_root: Path) -> None:
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="br-sao-1")).model_dump(mode="json"))
    committed = catalog_root / "inventories" / "br-sao-1" / "group_vars" / "all"
    (committed / "artifacts.yml").write_text("regionkit_artifacts: {ppu-sdk@1.6.2: {sha256: the-vendors-real-sum}}\n")
    (committed / "node_baseline.yml").write_text("node_baseline_time_sync_enabled: true\n")  # R's own: the lab's must win
    hosts = region_hosts(session, "br-sao-1")
    folder = catalog_root / ".regionkit" / "rehearsals" / "br-sao-1"
    assert hosts.path == folder / "hosts.yml" and not (catalog_root / "inventories" / "br-sao-1" / "hosts.yml").exists()
    assert hosts.hosts == ["br-sao-1a-l20-01", "br-sao-1a-ppu-01"]
    rendered = sorted(p.name for p in (folder / "group_vars" / "all").iterdir())
    overrides = sorted(p.name for p in committed.iterdir() if p.name != "artifacts.yml")
    assert "node_baseline.yml" in overrides and "apt_sources.yml" in overrides
    assert rendered == [*overrides, "zz-lab-stand-ins.yml"]  # R's overrides, then the lab's, loaded last
    assert "node_baseline_time_sync_enabled: false" in (folder / "group_vars" / "all" / "zz-lab-stand-ins.yml").read_text()
    assert pins_path(hosts.source) == folder / "group_vars" / "all" / "artifacts.yml"
    assert (committed / "artifacts.yml").read_text().endswith("the-vendors-real-sum}}\n")  # R's committed pins untouched
    (committed / "node_baseline.yml").unlink()  # an override R drops is dropped from the rehearsal too
    region_hosts(session, "br-sao-1")
    assert not (folder / "group_vars" / "all" / "node_baseline.yml").exists()


def test_ansible_sees_the_labs_settings_over_the_regions_in_a_rehearsal(catalog_root: Path) -> None:
    """Ansible's own inventory reading: group_vars/all files load in lexical order, the later wins."""
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="br-sao-1")).model_dump(mode="json"))
    committed = catalog_root / "inventories" / "br-sao-1" / "group_vars" / "all"
    (committed / "node_baseline.yml").write_text("node_baseline_time_sync_enabled: true\nnode_baseline_ntp_servers: [10.13.0.3]\n")
    hosts = region_hosts(session, "br-sao-1")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(hosts.path), "--host", "br-sao-1a-l20-01"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seen = json.loads(proc.stdout)
    assert seen["node_baseline_time_sync_enabled"] is False and seen["node_baseline_ntp_servers"] == ["10.13.0.3"]
    assert seen["regionkit_apt_mirror"] == "http://198.18.0.1:3142" and seen["regionkit_mirror_region"] == "sa-east-1"
    assert seen["node_baseline_apt_extra_sources"][0]["uris"] == "{{ regionkit_apt_mirror }}/cuda/debian12/x86_64/"
    assert seen["regionkit_accelerator_vendor"] == "nvidia" and seen["regionkit_software"]["driver"] == "580.95.05"


def test_stand_ins_for_a_region_with_a_manifest_list_no_bmc(catalog_root: Path) -> None:
    """gb-lon-1's pools list the servers its partner racked; stand-ins have none of them, so deploy's
    handover stage does not run for a rehearsal (the region's own manifest is for its real BMCs)."""
    session = Session(catalog_root)
    assert any(p.handover for p in session.catalog.region("gb-lon-1").pools)
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="gb-lon-1", per_pool_count=2)).model_dump(mode="json"))
    spec = hosts_for(session, "gb-lon-1").region_spec()
    assert all(p.handover == [] and p.servers == 2 for p in spec.pools)


def test_lab_hosts_say_they_have_no_devices_by_design_and_a_stack_never_does(catalog_root: Path) -> None:
    """Where the hosts come from says it: the lab's own hosts and its stand-ins carry the flag in
    the inventory's `all` vars, so their devices are reported as not checked; a stack's hosts never."""
    session = Session(catalog_root)
    lab_state(session, lab_outputs(plan_lab(session.catalog)).model_dump(mode="json"))
    hosts = region_hosts(session, "lab")
    assert hosts.plan.variables[NO_DEVICES_BY_DESIGN] is True
    assert f"{NO_DEVICES_BY_DESIGN}: true" in hosts.path.read_text()  # a YAML boolean, not a string
    lab_state(session, lab_outputs(plan_lab(session.catalog, region="br-sao-1")).model_dump(mode="json"))
    assert hosts_for(session, "br-sao-1").connection()[NO_DEVICES_BY_DESIGN] is True
    assert NO_DEVICES_BY_DESIGN not in StackHosts(session, "br-sao-1").connection()


def test_an_operator_file_cannot_say_a_real_regions_nodes_have_no_devices(catalog_root: Path) -> None:
    """Copying the lab's words into a cloud region's group vars would let a node with no working
    accelerator pass L2: the inventory refuses it, one line naming the file."""
    session = Session(catalog_root)
    outputs = lab_outputs(plan_lab(session.catalog, region="br-sao-1"))
    session.workspace.write(session.workspace.outputs_file("br-sao-1"), outputs.model_dump_json())
    assert region_hosts(session, "br-sao-1").plan.variables.get(NO_DEVICES_BY_DESIGN) is None
    planted = catalog_root / "inventories" / "br-sao-1" / "host_vars" / "br-sao-1a-l20-01.yml"
    planted.parent.mkdir()
    planted.write_text(f"{NO_DEVICES_BY_DESIGN}: true\n")
    with pytest.raises(BadInputError, match=r"inventories/br-sao-1/host_vars/br-sao-1a-l20-01.yml: sets regionkit_no_devices"):
        region_hosts(session, "br-sao-1")
