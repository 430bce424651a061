"""The ansible-runner adapter: its settings (host key checking, pipelining, ControlPersist,
Mitogen's strategies without CPU pinning, what workers would import again), and run_playbook's
results when ansible-playbook stops before the end of its play (a crash or a
kill): no stats, so the hosts it had not reached must not read as converged or clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from regionkit.adapters.ansible.runner import CONTROL_DIR, HostResult, close_connections, run_playbook, runner_env
from regionkit.errors import EXIT_FAILED, EXIT_OK
from regionkit.workspace import Workspace

from ..conftest import REPO

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

    result = run_playbook(Workspace(tmp_path), "t", playbook, inventory, on_event=on_event)
    assert killed
    assert not result.finished
    assert result.exit_code == EXIT_FAILED
    assert sum(h.ok for h in result.hosts.values()) < 4


def test_a_run_that_ends_is_finished(tmp_path: Path, local_play: tuple[Path, Path]) -> None:
    playbook, inventory = local_play
    playbook.write_text(PLAY.replace("sleep 30", '"true"'))
    result = run_playbook(Workspace(tmp_path), "t", playbook, inventory)
    assert result.finished and result.exit_code == EXIT_OK
    assert {h: r.ok for h, r in result.hosts.items()} == {"one": 2, "two": 2}


def test_runner_keeps_host_key_checking_pipelining_and_control_persist(tmp_path: Path) -> None:
    """The settings as Ansible itself reads them from the run's environment (ansible-config)."""
    env = runner_env(REPO / "ansible.cfg", tmp_path / "facts")
    dump = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-config"), "dump", "--only-changed", "--format", "json"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    found = {item["name"]: item["value"] for item in json.loads(dump) if "name" in item}
    assert found["HOST_KEY_CHECKING"] is True and found["DEFAULT_GATHERING"] == "smart"
    assert found["CACHE_PLUGIN"] == "jsonfile" and found["CACHE_PLUGIN_CONNECTION"] == str(tmp_path / "facts")
    assert found["DEFAULT_ROLES_PATH"] == [str(REPO / "roles")] and found["INJECT_FACTS_AS_VARS"] is False
    assert "ControlPersist=" in env["ANSIBLE_SSH_ARGS"]
    assert env["ANSIBLE_STRATEGY"] == "regionkit_linear"
    ours, mitogens = env["ANSIBLE_STRATEGY_PLUGINS"].split(os.pathsep)
    assert (Path(ours) / "regionkit_linear.py").exists() and (Path(ours) / "regionkit_free.py").exists()
    assert (Path(mitogens) / "mitogen_linear.py").exists()


@pytest.mark.parametrize(("ours", "mitogens"), [("regionkit_free", "free"), ("regionkit_linear", "linear")])
def test_runner_strategies_are_mitogens_without_cpu_pinning(tmp_path: Path, ours: str, mitogens: str) -> None:
    """Mitogen pins all Ansible work to CPU 1 on a machine with fewer than 4 CPUs; ours do not."""
    probe = (
        "from ansible.plugins.loader import strategy_loader\n"
        "import ansible_mitogen.affinity as affinity, ansible_mitogen.strategy\n"
        f"import ansible.plugins.strategy.{mitogens} as base\n"
        "pinned = type(affinity.policy).__name__\n"
        f"cls = strategy_loader.get('{ours}', class_only=True)\n"
        "assert issubclass(cls, ansible_mitogen.strategy.StrategyMixin), cls.__mro__\n"
        "assert issubclass(cls, base.StrategyModule), cls.__mro__\n"
        "assert type(affinity.policy) is affinity.Policy, affinity.policy\n"
        "print(pinned, type(affinity.policy).__name__)\n"
    )
    env = {**os.environ, **runner_env(REPO / "ansible.cfg", tmp_path / "facts")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["LinuxPolicy", "Policy"]


@pytest.mark.parametrize("strategy", ["regionkit_linear", "regionkit_free", None])
def test_runner_strategies_load_what_workers_would_import(tmp_path: Path, strategy: str | None) -> None:
    """A forked worker inherits the main process's modules: after our strategy loads, templating
    with builtin filters and tests imports no plugin module (without it, it does)."""
    probe = (
        "import sys\n"
        "from ansible.plugins.loader import strategy_loader\n"
        "from ansible.parsing.dataloader import DataLoader\n"
        "from ansible.template import Templar, trust_as_template\n"
        f"if {strategy!r}: strategy_loader.get({strategy!r}, class_only=True)\n"
        "before = set(sys.modules)\n"
        "out = Templar(loader=DataLoader()).template(trust_as_template(\"{{ ['a', 'b'] | map('regex_replace', '$', '=1')"
        " | unique | list | to_json | b64encode }} {{ 'a' is match('a') }} {{ '/' is ansible.builtin.abs }}"
        ' {{ 4 | ansible.builtin.log(2) }}"))\n'
        "new = sorted(m for m in set(sys.modules) - before if '.plugins.filter' in m or '.plugins.test' in m)\n"
        "print(out.split()[1:], new, 'botocore.auth' in sys.modules)\n"
    )
    env = {**os.environ, **runner_env(REPO / "ansible.cfg", tmp_path / "facts")}
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    if strategy:
        assert out.split("]", 1)[1].strip() == "[] True", out
    else:
        assert "ansible.plugins.filter.core" in out, out
    assert out.startswith("['True', 'True', '2.0']"), out


def test_runner_reuses_ssh_connections_across_runs(tmp_path: Path) -> None:
    """Mitogen's SSH adds no ControlPath of its own: without one in ssh_args nothing is reused."""
    args = runner_env(REPO / "ansible.cfg", tmp_path / "facts")["ANSIBLE_SSH_ARGS"].split()
    assert f"ControlPath={CONTROL_DIR}/%C" in args and "ControlMaster=auto" in args
    assert len(f"{CONTROL_DIR}/{'0' * 40}") < 108  # %C is a 40-hex hash; sun_path holds 108 bytes


def test_closing_connections_without_masters_closes_none() -> None:
    assert close_connections(["198.18.0.250"]) == 0  # the control socket only: no packet leaves


def test_runner_strategy_can_be_turned_back_to_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONKIT_ANSIBLE_STRATEGY", "linear")
    env = runner_env(REPO / "ansible.cfg", tmp_path / "facts")
    assert env["ANSIBLE_STRATEGY"] == "linear" and "ANSIBLE_STRATEGY_PLUGINS" not in env
