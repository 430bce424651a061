"""The drift use case's layers, with the engines replaced where the test is about the use case."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.adapters.ansible import runner
from regionkit.adapters.testinfra.suites import SuiteRun
from regionkit.planning.inventory import plan_inventory
from regionkit.planning.outputs import DnsOutput, MirrorOutput, StackOutputs
from regionkit.planning.results import CheckResult
from regionkit.services import drift as service
from regionkit.services.hosts import StackHosts
from regionkit.services.inventory import RegionHosts
from regionkit.services.session import Session

from ...conftest import REPO


def test_config_layer_is_an_error_when_the_check_run_stops_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ansible-core's free strategy has crashed mid-play with a host's link down: the hosts it had
    not reached must not read as clean."""
    stopped = runner.RunResult(
        tmp_path, {"a": runner.HostResult(ok=3)}, 1.0, "failed", "IndexError: list index out of range", finished=False
    )
    monkeypatch.setattr(service, "run_playbook", lambda *a, **k: stopped)
    session = Session(REPO)
    outputs = StackOutputs(
        region="br-sao-1", backend="aws", dns_zone=DnsOutput(name="x"), mirror=MirrorOutput(endpoint="e", bucket="b")
    )
    hosts = RegionHosts(StackHosts(session, "br-sao-1"), outputs, plan_inventory(outputs, {}, "test"), tmp_path / "hosts.yml")
    run = service._config(session, hosts, None)
    assert run.status == "error" and "stopped before the end of the play" in run.error and "IndexError" in run.error


def lab_like_hosts(session: Session, tmp_path: Path) -> RegionHosts:
    from regionkit.planning.lab import lab_outputs, plan_lab

    outputs = lab_outputs(plan_lab(session.catalog))
    return RegionHosts(StackHosts(session, "lab"), outputs, plan_inventory(outputs, {}, "test"), tmp_path / "hosts.yml")


def test_health_layer_is_an_error_when_a_host_went_unchecked(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hosts checked at once: a process that reported nothing for its host must not leave a clean layer."""
    checked: list[list[str]] = []

    def suites(inventory: Path, hosts: list[str], level: int, out: Path) -> SuiteRun:
        checked.append(hosts)
        ran = [CheckResult("laba-nv-01", 0, "l0_sshd_hardened", "passed")]
        return SuiteRun(ran, None, out / "junit.xml", 1, silent=[h for h in hosts if h != "laba-nv-01"])

    monkeypatch.setattr(service, "run_suites", suites)
    session = Session(catalog_root)
    folder = session.workspace.run_folder("drift")
    run = service._health(session, lab_like_hosts(session, tmp_path), 2, "laba", folder)
    assert checked == [["laba-asc-01", "laba-nv-01"]]  # --limit laba: the zone's hosts, from the plan
    assert run.status == "error" and "did not run on laba-asc-01" in run.error
    run = service._health(session, lab_like_hosts(session, tmp_path), 2, "nope", folder)
    assert run.status == "error" and run.error.startswith("--limit nope: names no host of lab; its hosts: laba-asc-01")


def test_config_and_health_layers_leave_out_servers_handover_held_back(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rejected server was never configured: check mode must not report it as drift, nor health as sick."""
    limits: list[str | None] = []
    checked: list[list[str]] = []

    def playbook(*args: object, limit: str | None = None, **kwargs: object) -> runner.RunResult:
        limits.append(limit)
        return runner.RunResult(tmp_path, {"laba-asc-01": runner.HostResult(ok=3)}, 1.0, "successful", "")

    def suites(inventory: Path, hosts: list[str], level: int, out: Path) -> SuiteRun:
        checked.append(hosts)
        return SuiteRun([CheckResult(h, 0, "l0_sshd_hardened", "passed") for h in hosts], None, out / "junit.xml", 0, [])

    monkeypatch.setattr(service, "run_playbook", playbook)
    monkeypatch.setattr(service, "run_suites", suites)
    session = Session(catalog_root)
    outputs = lab_like_hosts(session, tmp_path).outputs
    hosts = RegionHosts(
        StackHosts(session, "lab"),
        outputs,
        plan_inventory(outputs, {}, "test", {"laba-nv-01": "rejected: serial"}),
        tmp_path / "h.yml",
    )
    service._config(session, hosts, None)
    service._config(session, hosts, "laba")
    assert limits == ["all:!regionkit_held_back", "laba:!regionkit_held_back"]
    service._health(session, hosts, 2, "laba", session.workspace.run_folder("drift"))
    assert checked == [["laba-asc-01"]]
    all_held = RegionHosts(
        StackHosts(session, "lab"),
        outputs,
        plan_inventory(outputs, {}, "test", {h: "rejected" for h in outputs_hosts(outputs)}),
        tmp_path / "h.yml",
    )
    run = service._config(session, all_held, None)
    assert run.status == "error" and "held back at handover" in run.error and len(limits) == 2


def outputs_hosts(outputs: StackOutputs) -> list[str]:
    return [h.name for p in outputs.pools for h in p.hosts]
