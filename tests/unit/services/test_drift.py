"""The drift use case's layers, with the engines replaced where the test is about the use case."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.adapters.ansible import runner
from regionkit.planning.inventory import plan_inventory
from regionkit.planning.outputs import DnsOutput, MirrorOutput, StackOutputs
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
