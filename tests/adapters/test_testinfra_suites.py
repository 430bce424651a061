"""Reading the acceptance suites' results back from pytest's JUnit file: hosts, levels, outcomes."""

from __future__ import annotations

from pathlib import Path

from regionkit.adapters.testinfra.suites import read_junit


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
