"""run_playbook's results when ansible-playbook stops before the end of its play (a crash or a
kill): no stats, so the hosts it had not reached must not read as converged or clean."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from regionkit.adapters.ansible.runner import HostResult, run_playbook
from regionkit.errors import EXIT_FAILED, EXIT_OK

PLAY = """---
- name: Two steps on two local hosts
  hosts: all
  gather_facts: false
  tasks:
    - name: First
      ansible.builtin.command: "true"
      changed_when: false
    - name: Second
      ansible.builtin.command: sleep 30
      changed_when: false
"""


def _our_ansible_playbooks() -> list[int]:
    """ansible-playbook processes this test's run started (ansible-runner spawns them as our children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"ansible-playbook" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
def local_play(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("REGIONKIT_ANSIBLE_STRATEGY", "linear")  # plain Ansible, local connection
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  vars: {ansible_connection: local, ansible_python_interpreter: " + sys.executable + "}\n  hosts: {one: {}, two: {}}\n"
    )
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY)
    return playbook, inventory


def test_a_run_killed_mid_play_is_not_finished_and_fails(tmp_path: Path, local_play: tuple[Path, Path]) -> None:
    playbook, inventory = local_play
    killed: list[int] = []

    def on_event(host: str, result: HostResult) -> None:
        if not killed:  # the first host result: the play is under way
            for pid in _our_ansible_playbooks():  # a session leader (pexpect): its group is its workers
                os.killpg(pid, signal.SIGKILL)
                killed.append(pid)

    result = run_playbook(tmp_path, "t", playbook, inventory, on_event=on_event)
    assert killed
    assert not result.finished
    assert result.exit_code == EXIT_FAILED
    assert sum(h.ok for h in result.hosts.values()) < 4


def test_a_run_that_ends_is_finished(tmp_path: Path, local_play: tuple[Path, Path]) -> None:
    playbook, inventory = local_play
    playbook.write_text(PLAY.replace("sleep 30", '"true"'))
    result = run_playbook(tmp_path, "t", playbook, inventory)
    assert result.finished and result.exit_code == EXIT_OK
    assert {h: r.ok for h, r in result.hosts.items()} == {"one": 2, "two": 2}
