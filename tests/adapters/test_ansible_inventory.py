"""The inventory writer: every string regionkit renders reaches Ansible as data that is never
templated (`!unsafe`). A `{{ lookup('pipe', ...) }}` planted in every free-text field of the stack
outputs runs nothing when a play reads every host's variables, and reads back as the text it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from regionkit.adapters.ansible.inventory import render_inventory
from regionkit.catalog.load import load_catalog
from regionkit.planning.inventory import plan_inventory
from regionkit.planning.lab import lab_outputs, plan_lab

from ..conftest import REPO

BIN = Path(sys.executable).parent


def planted_outputs(marker: Path) -> dict[str, object]:
    """The lab's outputs with a shell-running template in every free-text string."""
    bomb = "{{ lookup('pipe', 'touch " + str(marker) + "') }}"
    doc = lab_outputs(plan_lab(load_catalog(REPO))).model_dump(mode="json")
    for pool in doc["pools"]:
        pool["licence_ref"] = bomb
        pool["facility"] = bomb
        pool["software"] = {k: bomb for k in pool["software"]}
        for host in pool["hosts"]:
            host["serial"] = bomb
    doc["dns_zone"]["name"] = bomb
    doc["mirror"]["bucket"] = bomb
    return doc


def test_planted_templates_in_free_text_run_nothing(tmp_path: Path) -> None:
    from regionkit.planning.outputs import read_outputs

    marker = tmp_path / "pwned"
    outputs = read_outputs(planted_outputs(marker))
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(render_inventory(plan_inventory(outputs, {"ansible_connection": "local"}, "test")))
    play = tmp_path / "read.yml"
    play.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        '    - ansible.builtin.debug:\n        msg: "{{ hostvars[inventory_hostname] | to_json }}"\n'
        "    - ansible.builtin.debug:\n        msg: \"{{ regionkit_licence_ref }} {{ regionkit_serial | default('') }}\"\n"
    )
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(play)],
        capture_output=True, text=True, timeout=300, env={"PATH": f"{BIN}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists(), "a planted lookup ran on the controller"
    assert "lookup('pipe', 'touch" in proc.stdout  # the text arrives as text


def test_every_string_value_is_unsafe_but_connection_variables(tmp_path: Path) -> None:
    outputs = lab_outputs(plan_lab(load_catalog(REPO)))
    text = render_inventory(plan_inventory(outputs, {"ansible_user": "root"}, "test"))
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", "/dev/stdin", "--list"], input=text, capture_output=True, text=True, check=True
    )
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]["laba-nv-01"]
    assert hostvars["ansible_host"] == "198.18.0.11" and hostvars["ansible_user"] == "root"
    assert hostvars["regionkit_accelerator"] == {"__ansible_unsafe": "H20"}
    assert "!unsafe 'H20'" in text and "ansible_host: 198.18.0.11" in text


def test_strings_that_read_as_other_types_stay_strings(tmp_path: Path) -> None:
    """Ansible re-reads an `!unsafe` scalar as if plain: a version '12.10' must not become 12.1."""
    outputs = lab_outputs(plan_lab(load_catalog(REPO)))
    pools = [p.model_copy(update={"software": {"toolkit": "12.10", "driver": "true"}}) for p in outputs.pools]
    text = render_inventory(plan_inventory(outputs.model_copy(update={"pools": pools, "package_source": ""}), {}, "test"))
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", "/dev/stdin", "--list"], input=text, capture_output=True, text=True, check=True
    )
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]["laba-nv-01"]
    assert hostvars["regionkit_software"] == {"toolkit": "12.10", "driver": "true"} and hostvars["regionkit_apt_mirror"] == ""
