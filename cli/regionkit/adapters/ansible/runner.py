"""Run a playbook with ansible-runner over a region's inventory and collect per-host results.

Settings (all through the environment, so they hold for AWX/AAP too):
- host key checking ON (ansible-runner turns it off by default);
- SSH pipelining and connection reuse: ControlPersist lives in ssh_args, which inventory
  `ansible_ssh_common_args` adds to rather than replaces;
- fact caching in a JSON file cache with `gathering: smart`, kept per region across runs;
- Mitogen's linear strategy (strategy_env), which keeps one interpreter per host for the run.
Each run's artifacts (events, stats) stay in the workspace's run folders (`runs/<region>-<stamp>`).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regionkit.catalog import files
from regionkit.content import content_root
from regionkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from regionkit.planning.results import HostResult, TaskResult
from regionkit.workspace import Workspace

__all__ = ["HostResult", "RunResult", "TaskResult", "close_connections", "render_diff", "run_playbook"]


@dataclass
class RunResult:
    run_dir: Path
    hosts: dict[str, HostResult]
    wall_s: float
    status: str
    output_tail: str = ""
    finished: bool = True  # the play reached its stats; False when ansible-playbook stopped mid-run
    held_back: dict[str, str] = field(default_factory=dict)  # hosts left out because handover did not accept them
    registration: list[str] = field(default_factory=list)  # the activations the run was given, in words (no code)

    @property
    def exit_code(self) -> int:
        if not self.finished:  # hosts it had not reached yet did not converge, whatever the others did
            return EXIT_FAILED
        if any(h.unreachable for h in self.hosts.values()):
            return EXIT_UNREACHABLE
        if any(h.failed for h in self.hosts.values()) or self.status not in ("successful",):
            return EXIT_FAILED
        return EXIT_OK

    def hosts_with(self, what: str) -> list[str]:
        return sorted(h for h, r in self.hosts.items() if getattr(r, what))


_RANK = {"ok": 0, "skipped": 0, "changed": 1, "failed": 2, "unreachable": 3}


# regionkit_free (no per-task barrier) is faster on a no-op (tests/benchmarks/bootstrap_runner.py with
# REGIONKIT_ANSIBLE_STRATEGY=regionkit_free), but with a host's link down ansible-core 2.19's free
# strategy can stop mid-play (IndexError in free.py: its next-host index outlives a host dropping
# out), seen in check mode: the hosts it had not reached then have no result. It stays opt-in; such
# a run is reported as unfinished (exit 1).
DEFAULT_STRATEGY = "regionkit_linear"
# Mitogen keeps one SSH connection per host for the whole run; its own keepalive (default 30 s x 10)
# would let a host whose link drops hang a task until the task's timeout and show as "failed".
# 5 s x 3 turns a dead link into "unreachable" within about 15 s (ignored by other strategies).
KEEPALIVE_VARS = {"mitogen_ssh_keepalive_interval": 5, "mitogen_ssh_keepalive_count": 3}


def strategy_env() -> dict[str, str]:
    """Mitogen's linear strategy: one resident interpreter per host over one SSH connection, so a
    task is a function call, not a new Python; regionkit_linear is that strategy without Mitogen's
    CPU pinning (see strategy_plugins/). REGIONKIT_ANSIBLE_STRATEGY names another (regionkit_free:
    the same without the per-task barrier, so hosts of different vendors run their roles side by
    side; linear: plain Ansible; mitogen_linear or mitogen_free: Mitogen as it comes)."""
    strategy = os.environ.get("REGIONKIT_ANSIBLE_STRATEGY", DEFAULT_STRATEGY)
    if not strategy.startswith(("mitogen", "regionkit")):
        return {"ANSIBLE_STRATEGY": strategy}
    import ansible_mitogen

    plugins = [Path(__file__).parent / "strategy_plugins", Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"]
    return {"ANSIBLE_STRATEGY_PLUGINS": os.pathsep.join(map(str, plugins)), "ANSIBLE_STRATEGY": strategy}


CONTROL_DIR = Path("/tmp/rk-ssh")  # ControlPath must stay short (sun_path is 108 bytes)
# An explicit ControlPath: Ansible's ssh plugin adds one of its own when ssh_args has
# ControlPersist, but Mitogen's SSH does not, and without one ControlMaster=auto reuses nothing.
# With it, a run finds the previous run's master and skips the key exchange (the no-op
# re-converge of tests/benchmarks/bootstrap_runner.py shows the difference).
SSH_ARGS = f"-o ControlMaster=auto -o ControlPersist=120s -o ControlPath={CONTROL_DIR}/%C -o ServerAliveInterval=15"


def close_connections(hosts: list[str], user: str = "root") -> int:
    """Ask the SSH masters that runs left for `hosts` (ControlPersist) to exit; how many did. Talks
    only to the local control sockets. For hosts that are going away (`regionkit lab down`)."""
    closing = []
    for host in hosts:
        opts = ["-o", f"ControlPath={CONTROL_DIR}/%C", f"{user}@{host}"]
        config = subprocess.run(["ssh", "-G", *opts], capture_output=True, text=True, check=False, timeout=10).stdout
        socket = next((Path(line.split(None, 1)[1]) for line in config.splitlines() if line.startswith("controlpath ")), None)
        if socket and socket.is_socket():
            done = subprocess.run(["ssh", *opts[:2], "-O", "exit", opts[2]], capture_output=True, check=False, timeout=10)
            if done.returncode == 0:
                closing.append(socket)
    deadline = time.monotonic() + 2  # a master removes its socket as it exits
    while any(s.exists() for s in closing) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(closing)


def runner_env(config: Path, facts: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: the content root's ansible.cfg (the one file AWX and a plain
    ansible-playbook from the repository read too), and only what must differ per run: the region's
    fact cache, Mitogen's strategy plugins where they are installed, the ControlPath Mitogen's SSH
    needs in ssh_args."""
    CONTROL_DIR.mkdir(mode=0o700, exist_ok=True)
    return {
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_SSH_ARGS": SSH_ARGS,
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(facts),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        # ansible-playbook from the same environment as regionkit, whatever the caller's PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        **strategy_env(),
        **(extra or {}),
    }


def run_playbook(
    workspace: Workspace,
    region: str,
    playbook: Path,
    inventory: Path,
    limit: str | None = None,
    tags: str | None = None,
    check: bool = False,
    diff: bool = False,
    env: dict[str, str] | None = None,
    on_event: Callable[[str, HostResult], None] | None = None,
) -> RunResult:
    """Run `playbook` on the region's hosts; per-host results from the runner's events and stats.

    Settings come from the content root's ansible.cfg (roles beside it)."""
    import ansible_runner  # the nodes extra; imported when a playbook runs, not when regionkit starts

    started = time.monotonic()
    scrub_recorded_environments(workspace)  # what a run that was killed left
    run_dir = workspace.run_folder("runs", region)
    facts = workspace.facts_dir(region)
    hosts: dict[str, HostResult] = {}

    def handle(event: dict[str, Any]) -> bool:
        data = event.get("event_data", {})
        host = data.get("host")
        kind = event.get("event", "")
        if not host or not kind.startswith("runner_on_"):
            return True
        result = hosts.setdefault(host, HostResult())
        outcome = {
            "runner_on_ok": "changed" if data.get("res", {}).get("changed") else "ok",
            "runner_on_failed": "ok" if data.get("ignore_errors") else "failed",
            "runner_on_unreachable": "unreachable",
            "runner_on_skipped": "skipped",
        }.get(kind)
        if outcome is None:
            return True
        role = data.get("role") or "play"
        if _RANK[outcome] >= _RANK.get(result.roles.get(role, "ok"), 0):
            result.roles[role] = outcome if outcome != "skipped" else result.roles.get(role, "ok")
        res = data.get("res", {})
        msg = str(res.get("msg") or res.get("stderr") or "").strip()[:1000]
        if outcome in ("failed", "unreachable"):
            result.messages.append(f"{data.get('task', '')}: {msg}")
            # Counted here too for a run that never reaches its stats (which replace these below).
            result.failed += outcome == "failed"
            result.unreachable += outcome == "unreachable"
        if outcome in ("changed", "failed"):
            result.tasks.append(_task_result(role, data, res, outcome, msg))
        if on_event:
            on_event(host, result)
        return True

    cmdline = " ".join(x for x in ("--check" if check else "", "--diff" if diff else "") if x)
    runner = ansible_runner.run(
        private_data_dir=str(run_dir),
        playbook=str(playbook),
        inventory=str(inventory),
        limit=limit,
        tags=tags,
        cmdline=cmdline or None,
        extravars=KEEPALIVE_VARS,
        envvars=runner_env(content_root().ansible_cfg, facts, env),
        event_handler=handle,
        quiet=True,
        suppress_env_files=True,
        # ansible-runner points the jsonfile cache into each run's artifacts unless told otherwise,
        # which would make every run gather facts again: keep the region's cache across runs.
        fact_cache=str(facts),
        fact_cache_type="jsonfile",
    )
    scrub_recorded_environments(workspace, run_dir)
    stats = runner.stats or {}
    finished = bool(stats)
    for name in set().union(*[set(v) for v in stats.values() if isinstance(v, dict)]) if stats else ():
        r = hosts.setdefault(name, HostResult())
        r.ok = stats.get("ok", {}).get(name, 0)
        r.changed = stats.get("changed", {}).get(name, 0)
        r.failed = stats.get("failures", {}).get(name, 0)
        r.unreachable = stats.get("dark", {}).get(name, 0)
        r.skipped = stats.get("skipped", {}).get(name, 0)
    tail = ""
    if not hosts or not finished:  # no host reached, or ansible-playbook stopped: keep what it said
        tail = "\n".join(runner.stdout.read().splitlines()[-5:]) if runner.stdout else ""
    return RunResult(run_dir, hosts, time.monotonic() - started, runner.status, tail, finished)


def scrub_recorded_environments(workspace: Workspace, run_dir: Path | None = None) -> int:
    """ansible-runner records each run's whole environment (the operator's AWS_*, the passphrase,
    the mirror keys regionkit passed) in artifacts/<id>/command, with no option to leave it out. Keep
    the command and the variables' names there, never their values; returns how many files it
    scrubbed. Called when a run ends, and before each run for a run that was killed mid-way."""
    base = run_dir or workspace.root / "runs"
    pattern = "artifacts/*/command" if run_dir else "*/artifacts/*/command"
    scrubbed = 0
    for path in sorted(base.glob(pattern)) if base.is_dir() else ():
        try:
            recorded = files.read_json(path, follow=False, limit=16 * files.MAX_BYTES)
        except files.FileProblem:  # not what ansible-runner writes: it goes
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        env = recorded.get("env") if isinstance(recorded, dict) else None
        if isinstance(env, dict) and all(v == NOT_KEPT for v in env.values()):
            continue
        kept = {
            "command": recorded.get("command") if isinstance(recorded, dict) else None,
            "cwd": recorded.get("cwd") if isinstance(recorded, dict) else None,
            "env": dict.fromkeys(sorted(env or {}), NOT_KEPT),
        }
        workspace.write(path, json.dumps(kept, indent=2))
        scrubbed += 1
    return scrubbed


NOT_KEPT = "(value not kept)"


def _task_result(role: str, data: dict[str, Any], res: dict[str, Any], outcome: str, message: str) -> TaskResult:
    """A changed or failed task as the runner's event reports it (a loop task: its items)."""
    loop = [r for r in res.get("results", []) if isinstance(r, dict)]
    if "censored" in res:  # a no_log task: ansible-runner withheld its result
        diff = "(diff withheld: the task is no_log)"
    else:
        diff = render_diff(res.get("diff") or [r.get("diff") for r in loop if r.get("changed")])
    return TaskResult(
        role=role,
        task=data.get("task", ""),
        action=data.get("task_action", ""),
        outcome="failed" if outcome == "failed" else "changed",
        diff=diff,
        message=message if outcome == "failed" else "",
        items=tuple(str(r.get("_ansible_item_label", r.get("item", ""))) for r in loop if r.get("changed") or r.get("failed")),
    )


def render_diff(diff: Any) -> str:
    """Ansible's `diff` result (a dict or a list of dicts with before/after or prepared) as text."""
    parts = diff if isinstance(diff, list) else [diff] if diff else []
    parts = [x for p in parts for x in (p if isinstance(p, list) else [p])]  # loop tasks: one diff per item
    out: list[str] = []
    for d in parts:
        if not isinstance(d, dict):
            continue
        if d.get("prepared"):
            out.append(str(d["prepared"]).rstrip())
            continue
        before, after = d.get("before"), d.get("after")
        if before is None and after is None:
            continue
        after_header = str(d.get("after_header", "after"))
        if "/.ansible/tmp/" in after_header or "ansible-local-" in after_header:  # the rendered template's temp copy
            after_header = f"declared ({after_header.rsplit('/', 1)[-1]})"
        head = f"--- {d.get('before_header', 'before')} (on the host)\n+++ {after_header}"
        if isinstance(before, dict) or isinstance(after, dict):
            out.append(f"{head}\n- {json.dumps(before, sort_keys=True)}\n+ {json.dumps(after, sort_keys=True)}")
            continue
        lines = difflib.unified_diff(str(before or "").splitlines(), str(after or "").splitlines(), lineterm="", n=1)
        body = "\n".join(list(lines)[2:])
        out.append(f"{head}\n{body}" if body else head)
    return "\n".join(out)[:4000]
