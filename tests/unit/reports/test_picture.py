"""The bandwidth picture."""

from __future__ import annotations

from regionkit.planning.acceptance import CollectiveAcceptance
from regionkit.reports.picture import svg_curve


def test_svg_curve_draws_points_and_the_floor() -> None:
    svg = svg_curve(CollectiveAcceptance([1 << 20, 1 << 24, 1 << 26], [0.4, 0.8, 0.9], 2.0, 0.5, "x"))
    assert svg.startswith("<svg") and svg.count("<circle") == 3 and "floor 0.50" in svg and "link 2.00" in svg
