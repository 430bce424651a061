"""node_baseline's host firewall on this machine, without a lab: the rule set rendered by Ansible
from the role's own template, defaults and vars, then checked by nft itself (`nft -c`, in a
network namespace of its own: the kernel evaluates the batch, nothing is applied); and the role's
input check, which refuses a rule set that would lock Ansible out before anything is written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..conftest import REPO
from .conftest import VENV_BIN

pytestmark = pytest.mark.slow

PLAY = """
- name: Render node_baseline's rule set and its input check
  hosts: localhost
  gather_facts: false
  roles:
    - role: node_baseline
      tags: [never]  # its defaults and vars, none of its tasks
  tasks:
    - name: Render the rule set
      ansible.builtin.template:
        src: {template}
        dest: "{{{{ out }}}}/nftables.conf"
        mode: "0600"
    - name: Write what the input check finds
      ansible.builtin.copy:
        content: "{{{{ __node_baseline_firewall_problems | to_json }}}}"
        dest: "{{{{ out }}}}/problems.json"
        mode: "0600"
"""
LAB = {
    "node_baseline_firewall_ssh_sources": ["198.18.0.0/22", "198.18.32.0/22"],
    "node_baseline_firewall_metrics_sources": ["198.18.240.0/24"],
}
PYTHON = f"ansible_python_interpreter={VENV_BIN / 'python'}"


def nft_unavailable() -> str | None:
    if shutil.which("nft") is None:
        return "needs nft (apt-get install nftables; scripts/setup.sh installs it)"
    if subprocess.run(["unshare", "-rnm", "nft", "list", "ruleset"], capture_output=True).returncode != 0:
        return "needs unprivileged network and mount namespaces (unshare -rnm) for nft -c"
    return None


def render(tmp_path: Path, **variables: Any) -> tuple[str, list[str]]:
    """The rule set and the input check's findings for these inputs, as Ansible computes them."""
    play = tmp_path / "play.yml"
    play.write_text(PLAY.format(template=REPO / "roles/node_baseline/templates/nftables.conf.j2"))
    extra = {"out": str(tmp_path), "node_baseline_apt_mirror": "http://198.18.0.1:3142", **variables}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {"ANSIBLE_ROLES_PATH": str(REPO / "roles"), "ANSIBLE_COLLECTIONS_PATH": str(REPO / "playbooks" / "collections")}
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", PYTHON, "-e", json.dumps(extra), str(play)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (tmp_path / "nftables.conf").read_text(), json.loads((tmp_path / "problems.json").read_text())


@pytest.mark.skipif(nft_unavailable() is not None, reason=str(nft_unavailable()))
@pytest.mark.parametrize(
    "inputs",
    [
        LAB | {"node_baseline_firewall_collective_sources": ["198.18.0.0/22", "198.18.32.0/22"]},
        # IPv6 beside IPv4, overlapping ranges, a single address, no metrics range, an extra rule
        {"node_baseline_firewall_ssh_sources": ["10.18.0.0/22", "fd00:18::/64", "10.18.0.7"],
         "node_baseline_firewall_collective_sources": ["10.18.16.0/20", "10.18.0.0/16"],
         "node_baseline_firewall_metrics_sources": [], "node_baseline_firewall_extra_rules": ["udp dport 68 accept"]},
    ],
    ids=["lab", "mixed"],
)  # fmt: skip
def test_rendered_rule_set_passes_nft_check(tmp_path: Path, inputs: dict[str, Any]) -> None:
    ruleset, problems = render(tmp_path, **inputs)
    assert problems == []
    # As on a minimal node: no /etc/protocols (netbase) for nft to resolve protocol names with.
    check = f"mount --bind /dev/null /etc/protocols && nft -c -f {tmp_path / 'nftables.conf'}"
    proc = subprocess.run(["unshare", "-rnm", "sh", "-c", check], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + ruleset


def test_rule_set_drops_what_it_does_not_allow(tmp_path: Path) -> None:
    ruleset, _ = render(tmp_path, **LAB)
    rules = [line.strip() for line in ruleset.splitlines()]
    assert "type filter hook input priority filter; policy drop;" in rules
    # sshd and the metrics ports are closed to everyone else before the collectives' accept
    ssh_drop, metrics_drop = rules.index("tcp dport 22 drop"), rules.index("meta l4proto { tcp, udp } th dport 9100-9400 drop")
    assert ssh_drop < rules.index("ip saddr @collectives_v4 accept") and metrics_drop < rules.index("ip saddr @collectives_v4 accept")
    assert "elements = { 198.18.0.0/22, 198.18.32.0/22 }" in rules and "flush ruleset" not in ruleset  # other tables stay


@pytest.mark.parametrize(
    ("inputs", "finding"),
    [
        ({"node_baseline_firewall_ssh_sources": []}, "node_baseline_firewall_ssh_sources is empty"),
        (LAB | {"node_baseline_firewall_collective_sources": ["10.0.0.1/8"]}, "not a network: 10.0.0.1/8"),
        (
            LAB | {"ansible_facts": {"env": {"SSH_CONNECTION": "10.9.9.9 4123 198.18.0.11 22"}}},
            "Ansible reaches this node from 10.9.9.9",
        ),
    ],
    ids=["no-ssh-sources", "bad-range", "controller-outside"],
)
def test_input_check_refuses_a_rule_set_that_locks_ansible_out(tmp_path: Path, inputs: dict[str, Any], finding: str) -> None:
    _, problems = render(tmp_path, **inputs)
    assert len(problems) == 1 and finding in problems[0]


def test_input_check_passes_the_controller_inside_the_ssh_ranges(tmp_path: Path) -> None:
    _, problems = render(tmp_path, **LAB, ansible_facts={"env": {"SSH_CONNECTION": "198.18.0.1 41234 198.18.0.11 22"}})
    assert problems == []


def test_firewall_off_checks_nothing(tmp_path: Path) -> None:
    _, problems = render(tmp_path, node_baseline_firewall_enabled=False, node_baseline_firewall_ssh_sources=[])
    assert problems == []
