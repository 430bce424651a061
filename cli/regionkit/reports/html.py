"""HTML reports: verify's acceptance report, with the bandwidth picture inline."""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from regionkit.planning.acceptance import VerifyReport
from regionkit.planning.handover import HandoverReport
from regionkit.reports.markdown import check_result
from regionkit.reports.picture import svg_curve

_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
_ENV.filters["result"] = check_result

VERIFY = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acceptance report: {{ region }}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}
.failed{color:#b00}.passed{color:#070}.not-verified{color:#777}.warn{color:#a60}</style></head><body>
<h1>Acceptance report: {{ region }}</h1>
<p>{{ when }} · regionkit {{ version }} · levels 0-{{ level }} · {{ host_count }} hosts</p>
<p><b>Result: {{ verdict }}</b> · {{ totals.passed }} passed · {{ totals.failed }} failed · {{ totals.not_verified }} not verified.
A check that could not run is <i>not verified</i>, never passed. Device and collective checks judge the tools' output:
<i>pass</i> and <i>warn</i> pass (a warning is shown), <i>fail</i> and <i>unknown</i> (an output that proves nothing) fail,
each with its recommended action.</p>
{% if devices_not_checked %}<p><b>Devices not checked</b> in {{ devices_not_checked | join(', ') }}: the inventory says these hosts
have no devices by design, so no device was read. This run proves nothing about accelerators.</p>{% endif %}
{% if held_back %}<h2>Held back at handover (not verified)</h2><table><tr><th>host</th><th>why</th></tr>
{% for host, why in held_back.items() %}<tr><td>{{ host }}</td><td class="failed">{{ why }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Pools</h2><table><tr><th>pool</th><th>hosts</th><th>passed</th><th>failed</th><th>not verified</th><th>devices</th></tr>
{% for pool in pools %}<tr><td>{{ pool.name }}</td><td>{{ pool.hosts | join(', ') }}</td><td>{{ pool.passed }}</td><td>{{ pool.failed }}</td><td>{{ pool.not_verified }}</td><td>{{ pool.devices or '-' }}</td></tr>{% endfor %}
</table>
{% if actions %}<h2>Recommended actions</h2><table><tr><th>host</th><th>check</th><th>verdict</th><th>action</th><th>why</th></tr>
{% for a in actions %}<tr><td>{{ a.host }}</td><td>{{ a.check }}</td><td>{{ a.verdict or a.outcome }}</td><td>{{ a.actions | join(', ') }}</td><td>{{ a.detail | truncate(200) }}</td></tr>{% endfor %}
</table>{% endif %}
{% if collective %}<h2>Collective bandwidth (L3)</h2>
<p>all-reduce across {{ collective.world }} hosts; link {{ '%.3f' | format(collective.link_gbps) }} GB/s (iperf3 ring, median flow);
peak busbw {{ '%.3f' | format(collective.peak) }} GB/s ({{ '%.0f' | format(collective.ratio * 100) }}% of the link);
floor {{ '%.3f' | format(collective.floor_gbps) }} GB/s ({{ collective.floor_source }}): <b>{{ 'met' if collective.passed else 'NOT met' }}</b></p>
{{ svg }}{% endif %}
<h2>Hosts</h2>
{% for host in hosts %}<h3>{{ host.name }} ({{ host.pool }})</h3><table><tr><th>level</th><th>check</th><th>result</th><th>action</th><th>detail</th></tr>
{% for c in host.checks %}<tr><td>L{{ c.level }}</td><td>{{ c.name }}</td><td class="{{ 'warn' if c.verdict == 'warn' else c.outcome | replace(' ', '-') }}">{{ c | result }}</td><td>{{ c.actions | join(', ') or '-' }}</td><td>{{ c.detail | truncate(200) }}</td></tr>{% endfor %}
</table>{% endfor %}
</body></html>
"""


HANDOVER = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Handover report: {{ r.region }}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin-bottom:.5em}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
.rejected,.unlisted{color:#b00}.accepted{color:#070}.sign{margin:1.2em 0 2em}.sign p{margin:.6em 0}@media print{h2{page-break-before:always}}</style></head><body>
<h1>Handover report: {{ r.region }}</h1>
<p>{{ r.started.strftime('%Y-%m-%d %H:%M UTC') }} · regionkit {{ r.version }} · {{ r.scope }}</p>
<p>Manifest: <b>{{ r.source }}</b></p>
<p><b>Result: {{ doc.verdict }}</b> · {{ doc.totals.accepted }} accepted · {{ doc.totals.rejected }} rejected · {{ doc.totals.unlisted }} unlisted BMCs{% if r.swept %} ({{ r.swept }} addresses of the BMC ranges swept){% endif %}.
Each server's BMC was read over Redfish and checked against the manifest and the server model's firmware baseline and BIOS settings. A rejected server goes no further until a later handover accepts it.</p>
{% for zone, rack, servers in r.racks() %}
<h2>Rack {{ rack }} · zone {{ zone }}{% if r.site_of.get(zone) %} · {{ r.site_of[zone] }}{% endif %}</h2>
<table><tr><th>U</th><th>server</th><th>model</th><th>serial</th><th>BMC</th><th>verdict</th><th>read at (UTC)</th><th>reasons and fixes</th></tr>
{% for s in servers %}<tr><td>{{ s.u }}</td><td>{{ s.server }}</td><td>{{ s.model }}</td><td>{{ s.serial }}</td><td>{{ s.address }}</td><td class="{{ s.verdict }}">{{ s.verdict }}{% if s.server in r.rotated %} (password rotated){% endif %}</td><td>{{ s.read_at.strftime('%Y-%m-%d %H:%M:%S') }}</td>
<td>{% for reason in s.reasons %}<p><b>{{ reason.kind }}</b>: {{ reason.message }}. <i>Fix:</i> {{ reason.fix }}</p>{% endfor %}</td></tr>
{% endfor %}</table>
<div class="sign"><p>Handed over for {{ r.site_of.get(zone) or 'the partner' }}: name ________________ signature ________________ date __________</p>
<p>Accepted for {{ r.operator or 'the operator' }}: name ________________ signature ________________ date __________</p></div>
{% endfor %}
{% if r.unlisted %}<h2>BMCs on the BMC range that the manifest does not list</h2>
<p>Never admitted: each was read once, anonymously (its Redfish service root), and not logged in to.</p>
<table><tr><th>address</th><th>what answers</th><th>read at (UTC)</th><th>fix</th></tr>
{% for u in r.unlisted %}<tr><td>{{ u.address }}</td><td class="unlisted">{{ u.reasons[0].message }}</td><td>{{ u.read_at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ u.reasons[0].fix }}</td></tr>{% endfor %}
</table>{% endif %}
</body></html>
"""


def handover_html(report: HandoverReport) -> str:
    """The report a partner signs, printable: one table per rack (a page each), every value escaped."""
    return _ENV.from_string(HANDOVER).render(r=report, doc=report.to_dict())


def verify_html(report: VerifyReport) -> str:
    # The picture is our own SVG from numbers, not input: the one string not escaped.
    svg = Markup(svg_curve(report.collective)) if report.collective else ""
    return _ENV.from_string(VERIFY).render(**report.to_dict(), svg=svg)
