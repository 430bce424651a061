"""Run the acceptance suites (regionkit.acceptance) through pytest and testinfra over a region's
inventory, and read the results back from the JUnit file pytest writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit.catalog import files
from regionkit.content import content_root
from regionkit.planning.results import CheckOutcome, CheckResult

_UNREACHABLE = re.compile(
    r"ssh: connect to host|Connection timed out|No route to host|Connection refused|Host key verification failed|"
    r"Permission denied \(publickey|UNREACHABLE|Could not resolve hostname",
    re.I,
)


@dataclass
class SuiteRun:
    checks: list[CheckResult]
    figures: dict[str, Any] | None
    junit: Path
    returncode: int


def run_suites(inventory: Path, hosts: list[str], level: int, out_dir: Path, limit: str | None = None) -> SuiteRun:
    """The suites up to `level` on `hosts` (all of the inventory, or `limit`: comma-separated names or
    globs); artifacts in out_dir."""
    junit = out_dir / "junit.xml"
    figures = out_dir / "collectives.json"
    figures.unlink(missing_ok=True)
    suites = content_root().acceptance
    env = {
        **os.environ,
        "REGIONKIT_LEVEL": str(level),
        "REGIONKIT_INVENTORY": str(inventory),
        "REGIONKIT_FIGURES": str(figures),
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        # testinfra calls ansible-inventory: the one beside this interpreter, whatever PATH says.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    }
    cmd = [
        sys.executable, "-m", "pytest", str(suites),
        "--hosts=" + ",".join(f"ansible://{p}" for p in (limit or "all").split(",")), f"--ansible-inventory={inventory}",
        f"--junitxml={junit}", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=suites, env=env, capture_output=True, text=True)
    (out_dir / "pytest.log").write_text(proc.stdout + proc.stderr)
    checks = read_junit(junit, hosts) if junit.exists() else []
    data = files.read_json(figures, follow=False) if os.path.lexists(figures) else None
    return SuiteRun(checks, data, junit, proc.returncode)


def read_junit(path: Path, hosts: list[str]) -> list[CheckResult]:
    """Checks from pytest's JUnit file; test ids look like `test_x[ansible://HOST]` or
    `test_x[ansible://HOST-PARAM]`, so hosts are matched against the inventory's names."""
    names = sorted(hosts, key=len, reverse=True)
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        level = int(props.get("level") or 0)
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
                detail = (el.get("message") or el.text or "").strip()
                outcome = "unreachable" if _UNREACHABLE.search(detail + (el.text or "")) else "failed"
        skipped = case.find("skipped")
        if skipped is not None:
            outcome, detail = "not verified", (skipped.get("message") or "").removeprefix("not verified: ")
        results.append(CheckResult(host, level, check, outcome, detail.splitlines()[0] if detail else "", props.get("role", "")))
    return results
