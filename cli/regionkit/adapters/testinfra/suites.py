"""Run the acceptance suites (regionkit.acceptance) through pytest and testinfra over a region's
inventory, and read the results back from the JUnit files pytest writes.

Hosts are checked concurrently: the per-host levels (L0-L2) run in up to `workers` pytest
processes at once, each over its share of the hosts, and the collective level (L3, across all
hosts at once) runs after them, alone, so nothing else loads the hosts while it measures. Their
JUnit files are merged into one. Every process reuses the SSH connections Ansible keeps open to
the hosts (ControlPersist on the same control sockets as bootstrap's), so a check costs one
session, not one handshake. $REGIONKIT_CHECK_WORKERS=1 is the way before, kept as the baseline:
one pytest process over every host and level in turn, one SSH connection per command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit.adapters.ansible.runner import CONTROL_DIR, SSH_ARGS
from regionkit.catalog import files
from regionkit.content import content_root
from regionkit.errors import BadInputError
from regionkit.planning.results import CheckOutcome, CheckResult

_UNREACHABLE = re.compile(
    r"ssh: connect to host|Connection timed out|No route to host|Connection refused|Host key verification failed|"
    r"Permission denied \(publickey|UNREACHABLE|Could not resolve hostname",
    re.I,
)
WORKERS_ENV = "REGIONKIT_CHECK_WORKERS"
# Processes at once by default: two per CPU. A check waits mostly on its host, but each process
# costs the controller a Python start and one `ansible-inventory` (about a CPU-second): on the
# 2-core lab machine 4 processes checked 8 hosts in 6.4 s and 8 processes in 11 s
# (tests/benchmarks/health_layer.py).
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1)
COLLECTIVE_LEVEL = 3
L3_SUITE = "test_l3_collectives.py"


@dataclass
class SuiteRun:
    checks: list[CheckResult]
    figures: dict[str, Any] | None
    junit: Path
    returncode: int
    silent: list[str]  # hosts no check reported on (their process failed before it ran them; see pytest.log)


def sequential() -> bool:
    """$REGIONKIT_CHECK_WORKERS=1: the way before, kept as the baseline (one process host after
    host, testinfra's own SSH: a connection per command)."""
    return os.environ.get(WORKERS_ENV, "").strip() == "1"


def check_workers(hosts: int) -> int:
    """How many pytest processes check hosts at once: $REGIONKIT_CHECK_WORKERS, else up to
    DEFAULT_WORKERS; never more than there are hosts."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return max(1, min(hosts, DEFAULT_WORKERS))
    if not raw.isdigit() or int(raw) < 1:
        raise BadInputError(f"${WORKERS_ENV}={raw!r}: give a whole number of processes, 1 or more (1 checks host after host)")
    return max(1, min(hosts, int(raw)))


def run_suites(inventory: Path, hosts: list[str], level: int, out_dir: Path, workers: int | None = None) -> SuiteRun:
    """The suites up to `level` on `hosts` (inventory names), `workers` processes at once (default:
    check_workers); artifacts in out_dir: junit.xml (merged), pytest.log, collectives.json."""
    if not hosts:
        raise BadInputError("no host to check")
    workers = workers or check_workers(len(hosts))
    config = None if sequential() else _ssh_config(out_dir)
    run = _Pytest(content_root().acceptance, inventory, out_dir / "collectives.json", config)
    run.figures.unlink(missing_ok=True)
    if workers == 1:
        parts = [run(run.suites, hosts, level, out_dir / "part-0")]
    else:
        per_host = min(level, COLLECTIVE_LEVEL - 1)
        shares = [hosts[i::workers] for i in range(workers) if hosts[i::workers]]
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            parts = list(pool.map(lambda n: run(run.suites, shares[n], per_host, out_dir / f"part-{n}"), range(len(shares))))
        if level >= COLLECTIVE_LEVEL:
            parts.append(run(run.suites / L3_SUITE, hosts, level, out_dir / "part-l3"))
    junit = out_dir / "junit.xml"
    _merge_junit([p for p, _ in parts], junit)
    log = "".join(f"== {p.stem}: exit {rc}\n{p.with_suffix('.log').read_text()}" for p, rc in parts)
    (out_dir / "pytest.log").write_text(log)
    data = files.read_json(run.figures, follow=False) if os.path.lexists(run.figures) else None
    checks = read_junit(junit, hosts)
    silent = sorted(set(hosts) - {c.host for c in checks})
    return SuiteRun(checks, data, junit, max(rc for _, rc in parts), silent)


def _ssh_config(out_dir: Path) -> Path:
    """An Ansible configuration for testinfra (it reads ssh_args from one): the runner's SSH
    arguments, so checks reuse the connections bootstrap left open, and leave theirs for the next
    run. configparser interpolates '%', hence '%%'."""
    CONTROL_DIR.mkdir(mode=0o700, exist_ok=True)
    path = out_dir / "ansible.cfg"
    path.write_text(f"[ssh_connection]\nssh_args = {SSH_ARGS.replace('%', '%%')}\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class _Pytest:
    suites: Path
    inventory: Path
    figures: Path
    config: Path | None  # the SSH settings for testinfra (None: testinfra's own, one connection per command)

    def __call__(self, target: Path, hosts: list[str], level: int, part: Path) -> tuple[Path, int]:
        """One pytest process over `hosts`; its JUnit file (part.xml) and exit code."""
        junit = part.with_suffix(".xml")
        junit.unlink(missing_ok=True)
        env = {
            **os.environ,
            "REGIONKIT_LEVEL": str(level),
            "REGIONKIT_INVENTORY": str(self.inventory),
            "REGIONKIT_FIGURES": str(self.figures),
            "ANSIBLE_HOST_KEY_CHECKING": "True",
            **({"ANSIBLE_CONFIG": str(self.config)} if self.config else {}),
            # testinfra calls ansible-inventory: the one beside this interpreter, whatever PATH says.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        cmd = [
            sys.executable, "-m", "pytest", str(target),
            "--hosts=" + ",".join(f"ansible://{h}" for h in hosts), f"--ansible-inventory={self.inventory}",
            f"--junitxml={junit}", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=self.suites, env=env, capture_output=True, text=True)
        part.with_suffix(".log").write_text(proc.stdout + proc.stderr)
        return junit, proc.returncode


def _merge_junit(parts: list[Path], into: Path) -> None:
    """One JUnit document with every part's test suites (a part that wrote none is left out;
    its log says why)."""
    root = ET.Element("testsuites")
    for part in parts:
        if part.exists():
            tree = ET.parse(part).getroot()
            root.extend(tree.iter("testsuite") if tree.tag == "testsuites" else [tree])
    ET.ElementTree(root).write(into, encoding="utf-8", xml_declaration=True)


def read_junit(path: Path, hosts: list[str]) -> list[CheckResult]:
    """Checks from pytest's JUnit file; test ids look like `test_x[ansible://HOST]` or
    `test_x[ansible://HOST-PARAM]`, so hosts are matched against the inventory's names. A check
    that judged tool output carries its verdict, actions and warnings as properties."""
    names = sorted(hosts, key=len, reverse=True)
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        props: dict[str, list[str]] = {}
        for p in case.iter("property"):
            props.setdefault(p.get("name", ""), []).append(p.get("value", ""))
        level = int(_first(props, "level") or 0)
        check = re.sub(r"\[.*\]$", "", name).removeprefix("test_")
        host = ""
        if m := re.search(r"\[ansible://(.+)\]$", name):
            param = m.group(1)
            host = next((h for h in names if param == h or param.startswith(h + "-")), "")
            if host and param != host:
                check += f" ({param[len(host) + 1 :]})"
        outcome: CheckOutcome = "passed"
        detail = ""
        for tag in ("failure", "error"):
            el = case.find(tag)
            if el is not None:
                detail = (el.get("message") or el.text or "").strip().removeprefix("Failed: ")
                outcome = "unreachable" if _UNREACHABLE.search(detail + (el.text or "")) else "failed"
        skipped = case.find("skipped")
        if skipped is not None:
            outcome, detail = "not verified", (skipped.get("message") or "").removeprefix("not verified: ")
        notes = tuple(props.get("note", []))
        if outcome == "passed" and notes:
            detail = "; ".join(notes)
        results.append(
            CheckResult(
                host, level, check, outcome, detail.splitlines()[0] if detail else "", _first(props, "role"),
                verdict=_first(props, "verdict"), actions=tuple(props.get("action", [])), notes=notes,
                by_design=_first(props, "by_design") == "true",
            )
        )  # fmt: skip
    return results


def _first(props: dict[str, list[str]], name: str) -> str:
    return props.get(name, [""])[0]
