"""Running the acceptance suites and reading their results back from pytest's JUnit files: hosts, levels,
outcomes, the health verdicts and actions; hosts checked at once."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from regionkit.adapters.testinfra.suites import DEFAULT_WORKERS, WORKERS_ENV, check_workers, read_junit, run_suites, sequential
from regionkit.errors import BadInputError


def test_junit_ids_map_to_hosts_and_outcomes(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        """<testsuites><testsuite>
<testcase classname="regionkit.acceptance.test_l0_baseline" name="test_l0_time_sync[ansible://laba-nv-01]"><properties><property name="level" value="0"/><property name="role" value="node_baseline"/></properties><skipped message="not verified: time sync is off"/></testcase>
<testcase classname="regionkit.acceptance.test_l1_software" name="test_l1_services_running[ansible://labb-ppu-01-ssh]"><properties><property name="level" value="1"/></properties></testcase>
<testcase classname="regionkit.acceptance.test_l1_software" name="test_l1_pinned_runtime[ansible://labb-amd-01]"><properties><property name="level" value="1"/></properties><failure message="AssertionError: rccl 2.21 != 2.22.3">x</failure></testcase>
<testcase classname="regionkit.acceptance.test_l0_baseline" name="test_l0_host_answers_as_itself[ansible://laba-asc-01]"><properties><property name="level" value="0"/></properties><error message="ssh: connect to host 198.18.0.12 port 22: No route to host"/></testcase>
</testsuite></testsuites>"""
    )
    checks = read_junit(junit, ["laba-nv-01", "labb-ppu-01", "labb-amd-01", "laba-asc-01"])
    assert [(c.host, c.level, c.name, c.outcome) for c in checks] == [
        ("laba-nv-01", 0, "l0_time_sync", "not verified"),
        ("labb-ppu-01", 1, "l1_services_running (ssh)", "passed"),
        ("labb-amd-01", 1, "l1_pinned_runtime", "failed"),
        ("laba-asc-01", 0, "l0_host_answers_as_itself", "unreachable"),
    ]
    assert checks[0].detail == "time sync is off"
    assert checks[0].role == "node_baseline" and checks[1].role == ""


CHECKS = """
import pytest
from regionkit.acceptance.conftest import decide, not_verified_by_design
from regionkit.health import Action, HealthReport
from regionkit.health.gate import gate

HOSTS = ["ansible://h1"]


@pytest.mark.parametrize("host", HOSTS)
def test_l2_warned(host, record_property):
    report = HealthReport("kernel-log", "k", "1")
    report.warn("Xid 13: application error", Action.RERUN, device="0000:3b:00.0")
    decide(record_property, gate(report))


@pytest.mark.parametrize("host", HOSTS)
def test_l2_proved_nothing(host, record_property):
    report = HealthReport("nvidia-smi-csv", "csv", "1")
    report.unknown("no header row: not nvidia-smi CSV")
    report.fail("GPU is lost", Action.REBOOT, device="1")
    decide(record_property, gate(report))


@pytest.mark.parametrize("host", HOSTS)
def test_l2_by_design(host, record_property):
    not_verified_by_design({"regionkit_no_devices_by_design": True}, record_property, "/dev/nvidia0 is missing")
    pytest.fail("a host with no devices by design was checked")
"""


def test_verdicts_actions_and_warnings_travel_through_pytests_own_junit(tmp_path: Path) -> None:
    """The suites' JUnit properties, as pytest itself writes them for a pass, a failure and a skip."""
    (tmp_path / "test_checks.py").write_text(CHECKS)
    junit = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", f"--junitxml={junit}", "test_checks.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    checks = {c.name: c for c in read_junit(junit, ["h1"])}
    warned, cut, unchecked = checks["l2_warned"], checks["l2_proved_nothing"], checks["l2_by_design"]
    assert (warned.host, warned.outcome, warned.verdict, warned.actions) == ("h1", "passed", "warn", ("re-run",))
    assert warned.notes == ("kernel-log: 0000:3b:00.0: Xid 13: application error (re-run)",) and warned.detail == warned.notes[0]
    assert (cut.outcome, cut.verdict, cut.actions) == ("failed", "fail", ("reboot",))
    assert cut.detail == "nvidia-smi-csv: 1: GPU is lost (reboot)"  # pytest's "Failed: " prefix dropped; the fault decides
    assert (unchecked.outcome, unchecked.by_design, unchecked.detail) == (
        "not verified",
        True,
        "no devices by design (/dev/nvidia0 is missing)",
    )
    assert not warned.by_design and not cut.by_design


INVENTORY = """
all:
  vars: {ansible_connection: local, ansible_python_interpreter: python3, regionkit_apt_mirror: "http://127.0.0.1:9"}
  children:
    rk_nv:
      vars: {regionkit_accelerator_vendor: nvidia, regionkit_accelerator: H100, regionkit_accelerators_per_server: 8}
      hosts: {h1: {}, h2: {}}
    rk_asc:
      vars: {regionkit_accelerator_vendor: huawei, regionkit_accelerator: Ascend-910B, regionkit_accelerators_per_server: 8,
             regionkit_no_devices_by_design: true}
      hosts: {h3: {}}
"""


@pytest.mark.skipif(any(Path(d).exists() for d in ("/dev/nvidia0", "/dev/davinci0")), reason="this machine has accelerators")
def test_hosts_checked_at_once_give_the_sequential_checks_and_fail_closed(tmp_path: Path) -> None:
    """The real suites (levels 0-2) over three inventory hosts that are this machine (Ansible's
    local connection: read-only commands, no network): one process per host and one process for
    all give the same checks; a pool that declares devices fails L2 without them, unless its
    inventory says it has none by design."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(INVENTORY)
    runs = {}
    for workers in (1, 3):
        out = tmp_path / f"w{workers}"
        out.mkdir()
        runs[workers] = run_suites(inventory, ["h1", "h2", "h3"], 2, out, workers=workers)
    seen = {w: sorted((c.host, c.name, c.outcome, c.verdict, c.actions, c.by_design) for c in r.checks) for w, r in runs.items()}
    assert seen[1] == seen[3] and len(seen[1]) > 3 * 8
    assert ET.parse(runs[3].junit).getroot().tag == "testsuites" and len(list(ET.parse(runs[3].junit).getroot())) == 3
    l2 = {(c.host, c.name): c for c in runs[3].checks if c.level == 2}
    for host in ("h1", "h2"):
        missing = l2[(host, "l2_devices_present_and_healthy")]
        assert (missing.outcome, missing.verdict, missing.actions) == ("failed", "fail", ("drain",))
        assert missing.detail == "no device: /dev/nvidia0 is missing; the pool declares 8 per server"
        assert l2[(host, "l2_driver_loaded")].outcome == "failed"
    for name in ("l2_devices_present_and_healthy", "l2_driver_loaded"):
        unchecked = l2[("h3", name)]
        assert (unchecked.outcome, unchecked.by_design) == ("not verified", True)
        assert unchecked.detail == "no devices by design (/dev/davinci0 is missing)"
    assert l2[("h3", "l2_nvlink_up")].detail == "NVLink is NVIDIA's" and not l2[("h3", "l2_nvlink_up")].by_design
    assert not any(c.by_design for c in runs[3].checks if c.host != "h3")


def test_check_workers_reads_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert check_workers(1) == 1 and check_workers(3) == min(3, DEFAULT_WORKERS) and check_workers(200) == DEFAULT_WORKERS
    assert not sequential()  # one host alone still reuses the SSH connections
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert check_workers(8) == 1 and sequential()
    monkeypatch.setenv(WORKERS_ENV, "6")
    assert check_workers(8) == 6 and not sequential()
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(BadInputError, match="REGIONKIT_CHECK_WORKERS='many'"):
        check_workers(8)


def test_a_host_no_check_reported_on_is_named(tmp_path: Path) -> None:
    """Fail closed: a process that checks nothing for its host (here: a name the inventory lacks)
    leaves that host silent, and the run says which, so no verdict is drawn without it."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  vars: {ansible_connection: local, ansible_python_interpreter: python3}\n  hosts: {h1: {}}\n")
    run = run_suites(inventory, ["h1", "h2"], 0, tmp_path, workers=2)
    assert run.silent == ["h2"] and any(c.host == "h1" for c in run.checks)
