"""roles/node_registration run by ansible-playbook on this machine (connection local, no lab), with
stand-in agents that record their arguments: the activation reaches the role only through the
run's environment, the node registers once with the command line the vendors document (AWS
"Install SSM Agent on hybrid Linux nodes": `amazon-ssm-agent -register -code -id -region`;
Alibaba Cloud "Manage servers not provided by Alibaba Cloud": `aliyun-service --register
--RegionId --ActivationCode --ActivationId`), the code never shows in Ansible's output, and a host
without an activation says it skips."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ..conftest import REPO
from .conftest import VENV_BIN

pytestmark = pytest.mark.slow

PLAY = """
- name: Register
  hosts: all
  gather_facts: false
  roles:
    - role: node_registration
"""
CODE = "a-fra0Secret+CodeXo32lAZC"


def agents(tmp_path: Path) -> dict[str, dict[str, str]]:
    """Stand-ins for both agents: each records its arguments and leaves the file that marks a registered node."""
    found = {}
    for service in ("ssm", "cloud-assistant"):
        binary, marker = tmp_path / f"{service}-agent", tmp_path / service / "registered"
        binary.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/{service}.log\nmkdir -p {marker.parent}\ntouch {marker}\n')
        binary.chmod(0o755)
        found[service] = {"binary": str(binary), "registered": str(marker)}
    return found


def play(tmp_path: Path, activations: dict[str, object] | None, *args: str, agent_paths: dict[str, object] | None = None) -> str:
    (tmp_path / "play.yml").write_text(PLAY)
    inventory = {"all": {"children": {"fra_a_gpu": {"hosts": {"node-1": {}, "node-2": {}}}},
                         "vars": {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python")}}}  # fmt: skip
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "REGIONKIT_"))}
    env |= {"ANSIBLE_ROLES_PATH": str(REPO / "roles"), "ANSIBLE_COLLECTIONS_PATH": str(REPO / "playbooks" / "collections")}
    if activations is not None:
        env["REGIONKIT_NODE_ACTIVATIONS"] = json.dumps(activations)
    extra = {"node_registration_agents": agent_paths if agent_paths is not None else agents(tmp_path)}
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), "--limit", "node-2", "-e", json.dumps(extra),
         *args, str(tmp_path / "play.yml")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_a_host_without_an_activation_does_nothing_and_says_so(tmp_path: Path) -> None:
    out = play(tmp_path, None)
    assert "skipped: no activation for any of this host's groups" in out
    assert not list(tmp_path.glob("*.log"))


def test_cloud_assistant_registers_once_with_the_hosts_activation_and_never_shows_the_code(tmp_path: Path) -> None:
    # Two activations of one server each: node-2, second in its group, takes the second.
    parts = [{"activation_id": "ID-1", "activation_code": "other"}, {"activation_id": "ID-2", "activation_code": CODE}]
    pool = {"service": "cloud-assistant", "region": "eu-central-1", "per_activation": 1, "activations": parts}
    first = play(tmp_path, {"fra_a_gpu": pool})
    assert (tmp_path / "cloud-assistant.log").read_text().splitlines() == [
        f"--register --RegionId eu-central-1 --ActivationCode {CODE} --ActivationId ID-2"
    ]
    assert CODE not in first and "changed=1" in first
    second = play(tmp_path, {"fra_a_gpu": pool})
    assert len((tmp_path / "cloud-assistant.log").read_text().splitlines()) == 1  # registered already: not again
    assert CODE not in second and "changed=0" in second


def test_ssm_in_check_mode_reports_the_registration_without_running_it(tmp_path: Path) -> None:
    pool = {"service": "ssm", "region": "eu-central-1", "per_activation": 8,
            "activations": [{"activation_id": "ssm-id", "activation_code": CODE}]}  # fmt: skip
    out = play(tmp_path, {"fra_a_gpu": pool}, "--check")
    assert "changed=1" in out and CODE not in out
    assert not (tmp_path / "ssm.log").exists()


def test_a_missing_agent_fails_with_the_package_to_install(tmp_path: Path) -> None:
    pool = {"service": "ssm", "region": "eu-central-1", "per_activation": 8,
            "activations": [{"activation_id": "ssm-id", "activation_code": CODE}]}  # fmt: skip
    missing = {"ssm": {"binary": str(tmp_path / "nowhere"), "registered": str(tmp_path / "r")}}
    with pytest.raises(AssertionError) as err:
        play(tmp_path, {"fra_a_gpu": pool}, agent_paths=missing)
    assert "is not installed" in str(err.value) and "amazon-ssm-agent" in str(err.value) and CODE not in str(err.value)
