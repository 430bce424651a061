"""HTML reports: verify's acceptance report, with the bandwidth picture inline."""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from regionkit.planning.acceptance import VerifyReport
from regionkit.reports.picture import svg_curve

_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)

VERIFY = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acceptance report: {{ region }}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}
.failed{color:#b00}.passed{color:#070}.not-verified{color:#777}</style></head><body>
<h1>Acceptance report: {{ region }}</h1>
<p>{{ when }} · regionkit {{ version }} · levels 0-{{ level }} · {{ host_count }} hosts</p>
<p><b>Result: {{ verdict }}</b> · {{ totals.passed }} passed · {{ totals.failed }} failed · {{ totals.not_verified }} not verified.
A check that could not run (no device) is <i>not verified</i>, never passed.</p>
<h2>Pools</h2><table><tr><th>pool</th><th>hosts</th><th>passed</th><th>failed</th><th>not verified</th></tr>
{% for pool in pools %}<tr><td>{{ pool.name }}</td><td>{{ pool.hosts | join(', ') }}</td><td>{{ pool.passed }}</td><td>{{ pool.failed }}</td><td>{{ pool.not_verified }}</td></tr>{% endfor %}
</table>
{% if collective %}<h2>Collective bandwidth (L3)</h2>
<p>all-reduce across {{ collective.world }} hosts; link {{ '%.3f' | format(collective.link_gbps) }} GB/s (iperf3 ring, median flow);
peak busbw {{ '%.3f' | format(collective.peak) }} GB/s ({{ '%.0f' | format(collective.ratio * 100) }}% of the link);
floor {{ '%.3f' | format(collective.floor_gbps) }} GB/s ({{ collective.floor_source }}): <b>{{ 'met' if collective.passed else 'NOT met' }}</b></p>
{{ svg }}{% endif %}
<h2>Hosts</h2>
{% for host in hosts %}<h3>{{ host.name }} ({{ host.pool }})</h3><table><tr><th>level</th><th>check</th><th>result</th><th>detail</th></tr>
{% for c in host.checks %}<tr><td>L{{ c.level }}</td><td>{{ c.name }}</td><td class="{{ c.outcome | replace(' ', '-') }}">{{ c.outcome }}</td><td>{{ c.detail | truncate(200) }}</td></tr>{% endfor %}
</table>{% endfor %}
</body></html>
"""


def verify_html(report: VerifyReport) -> str:
    # The picture is our own SVG from numbers, not input: the one string not escaped.
    svg = Markup(svg_curve(report.collective)) if report.collective else ""
    return _ENV.from_string(VERIFY).render(**report.to_dict(), svg=svg)
