"""Verify's pure parts: floors, the report's curve, and reading testinfra's JUnit ids back."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.adapters.testinfra.suites import read_junit
from regionkit.planning.acceptance import LINK_EFFICIENCY_FLOOR, CollectiveAcceptance, floor_for, svg_curve


def test_catalog_floor_wins_over_the_link() -> None:
    assert floor_for(460.0, 1.9) == (460.0, "catalog floor for the pool")


def test_floor_from_the_measured_link() -> None:
    floor, source = floor_for(None, 2.0)
    assert floor == pytest.approx(2.0 * LINK_EFFICIENCY_FLOOR) and "measured link" in source


def test_no_floor_and_no_link_is_an_error() -> None:
    with pytest.raises(ValueError, match="no floor"):
        floor_for(None, None)


def test_acceptance_passes_on_peak_busbw() -> None:
    acc = CollectiveAcceptance([1 << 20, 1 << 26], [0.4, 0.9], 2.0, 0.5, "x")
    assert acc.passed and acc.peak_gbps == 0.9 and acc.link_ratio == pytest.approx(0.45)
    assert not CollectiveAcceptance([1 << 20], [0.4], 2.0, 0.5, "x").passed


def test_svg_curve_draws_points_and_the_floor() -> None:
    svg = svg_curve(CollectiveAcceptance([1 << 20, 1 << 24, 1 << 26], [0.4, 0.8, 0.9], 2.0, 0.5, "x"))
    assert svg.startswith("<svg") and svg.count("<circle") == 3 and "floor 0.50" in svg and "link 2.00" in svg


def test_junit_ids_map_to_hosts_and_outcomes(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        """<testsuites><testsuite>
<testcase classname="tests.infra.test_l0_baseline" name="test_l0_time_sync[ansible://laba-nv-01]"><skipped message="not verified: time sync is off"/></testcase>
<testcase classname="tests.infra.test_l1_software" name="test_l1_services_running[ansible://labb-ppu-01-ssh]"/>
<testcase classname="tests.infra.test_l1_software" name="test_l1_pinned_runtime[ansible://labb-amd-01]"><failure message="AssertionError: rccl 2.21 != 2.22.3">x</failure></testcase>
<testcase classname="tests.infra.test_l0_baseline" name="test_l0_host_answers_as_itself[ansible://laba-asc-01]"><error message="ssh: connect to host 198.18.0.12 port 22: No route to host"/></testcase>
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
