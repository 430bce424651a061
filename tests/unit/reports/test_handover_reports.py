"""The handover report a partner signs (Markdown and HTML): per rack, the manifest's source and
each reading's time; what a BMC reported cannot break a table or inject markup."""

from __future__ import annotations

import datetime as dt

from regionkit.planning.handover import HandoverReport, HandoverResult, Reason
from regionkit.reports.html import handover_html
from regionkit.reports.markdown import handover_markdown

AT = dt.datetime(2026, 12, 6, 12, 0, 5, tzinfo=dt.UTC)
HOSTILE = Reason("model", "the BMC reports 'Evil | <script>alert(1)</script>\nrow'", "escalate | now")


def report() -> HandoverReport:
    ok = HandoverResult("s-01", "10.0.4.11", "accepted", (), AT, "R1", 20, "m", "SN1")
    bad = HandoverResult("s-02", "10.0.4.12", "rejected", (HOSTILE,), AT, "R1", 28, "m", "SN2")
    stray = HandoverResult("10.0.4.99", "10.0.4.99", "unlisted", (Reason("not_in_manifest", "x | y", "ask"),), AT)
    return HandoverReport(
        "zz-tst-1", "Partner sheet HO-9, 2026-11-02", AT, "0.1.0", "every listed server", (ok, bad), (stray,), ("s-01",), 1012,
        {"s-01": "zz-tst-1a", "s-02": "zz-tst-1a"}, {"zz-tst-1a": "Equinix, ZZ1"}, "Example Operator",
    )  # fmt: skip


def test_markdown_report_is_a_table_per_rack_with_source_times_and_signatures() -> None:
    md = handover_markdown(report())
    assert "Manifest: Partner sheet HO-9, 2026-11-02" in md
    assert "## Rack R1 · zone zz-tst-1a · Equinix, ZZ1" in md
    assert "| 28 | s-02 | m | SN2 | 10.0.4.12 | rejected | 2026-12-06 12:00:05 |" in md  # top of the rack first
    assert "| 20 | s-01 | m | SN1 | 10.0.4.11 | accepted (password rotated) | 2026-12-06 12:00:05 |" in md
    assert "Handed over for Equinix, ZZ1: name" in md and "Accepted for Example Operator: name" in md
    assert "Evil \\| <script>" in md and "\nrow" not in md  # one line, no column break
    unlisted_row = next(line for line in md.splitlines() if line.startswith("| 10.0.4.99"))
    assert unlisted_row.count(" | ") == 3  # four cells: the BMC's text did not add one


def test_html_report_escapes_what_bmcs_report() -> None:
    html = handover_html(report())
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h2>Rack R1 · zone zz-tst-1a · Equinix, ZZ1</h2>" in html and "2026-12-06 12:00:05" in html
    assert html.count("signature ____") == 2
