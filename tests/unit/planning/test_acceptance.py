"""Acceptance: floors, and the collective's verdict on its peak bus bandwidth."""

from __future__ import annotations

import pytest

from regionkit.planning.acceptance import LINK_EFFICIENCY_FLOOR, CollectiveAcceptance, floor_for


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
