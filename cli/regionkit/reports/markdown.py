"""Markdown reports: verify's acceptance report and drift's summary (a CI job summary)."""

from __future__ import annotations

from typing import Any

import jinja2

from regionkit.planning.acceptance import VerifyReport
from regionkit.planning.handover import HandoverReport
from regionkit.reports.picture import svg_curve

_ENV = jinja2.Environment(
    autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
)

VERIFY = """\
# Acceptance report: {{ region }}

{{ when }} · regionkit {{ version }} · levels 0-{{ level }} · {{ host_count }} hosts

**Result: {{ verdict }}** · {{ totals.passed }} passed · {{ totals.failed }} failed · {{ totals.not_verified }} not verified

A check that could not run is listed as *not verified*, never as passed. Device and collective
checks judge the tools' output with one verdict model: *pass* and *warn* pass (a warning is shown),
*fail* and *unknown* (an output that proves nothing) fail, each with its recommended action.
{% if devices_not_checked %}

**Devices not checked** in {{ devices_not_checked | join(', ') }}: the inventory says these hosts
have no devices by design, so no device was read. This run proves nothing about accelerators.
{% endif %}
{% if held_back %}

## Held back at handover (not verified)

| host | why |
| --- | --- |
{% for host, why in held_back.items() %}
| {{ host }} | {{ why | replace('|', '/') }} |
{% endfor %}
{% endif %}

## Pools

| pool | hosts | passed | failed | not verified | devices |
| --- | --- | --- | --- | --- | --- |
{% for pool in pools %}
| {{ pool.name }} | {{ pool.hosts | join(', ') }} | {{ pool.passed }} | {{ pool.failed }} | {{ pool.not_verified }} | {{ pool.devices or '-' }} |
{% endfor %}
{% if actions %}

## Recommended actions

| host | check | verdict | action | why |
| --- | --- | --- | --- | --- |
{% for a in actions %}
| {{ a.host }} | {{ a.check }} | {{ a.verdict or a.outcome }} | {{ a.actions | join(', ') }} | {{ a.detail | replace('|', '/') | truncate(200) }} |
{% endfor %}
{% endif %}

{% if collective %}
## Collective bandwidth (L3)

all-reduce across {{ collective.world }} hosts ({{ collective.hosts | join(', ') }}), one rank per host.

| message size | busbw GB/s |
| --- | --- |
{% for size, bw in collective.rows %}
| {{ size }} | {{ '%.3f' | format(bw) }} |
{% endfor %}

- measured link throughput (iperf3 ring, every host to the next at once; median flow): **{{ '%.3f' | format(collective.link_gbps) }} GB/s**
- peak busbw: **{{ '%.3f' | format(collective.peak) }} GB/s**, {{ '%.0f' | format(collective.ratio * 100) }}% of the link
- floor: {{ '%.3f' | format(collective.floor_gbps) }} GB/s ({{ collective.floor_source }}): **{{ 'met' if collective.passed else 'NOT met' }}**

{{ svg }}
{% endif %}

## Hosts

{% for host in hosts %}
### {{ host.name }} ({{ host.pool }})

| level | check | result | action | detail |
| --- | --- | --- | --- | --- |
{% for c in host.checks %}
| L{{ c.level }} | {{ c.name }} | {{ c | result }} | {{ c.actions | join(', ') or '-' }} | {{ c.detail | replace('|', '/') | replace('\\n', ' ') | truncate(160) }} |
{% endfor %}

{% endfor %}
"""

DRIFT = """\
{% set icon = {"clean": "✅", "drift": "⚠️", "unreachable": "⛔", "error": "❌", "skipped": "➖", "not deployed": "➖"} %}
## regionkit drift: {{ doc.verdict }} (exit {{ doc.exit_code }})

Started {{ doc.started }}, {{ "%.1f" | format(doc.seconds) }} s, regionkit {{ version }}.

| region | layer | status | checked | findings | not verified | ignored |
| --- | --- | --- | ---: | ---: | ---: | ---: |
{% for r in doc.runs %}
| {{ r.region }} | {{ r.layer }} | {{ icon[r.status] }} {{ r.status }} | {{ r.checked | length }} | {{ r.findings | length }} | {{ r.not_verified | length }} | {{ r.ignored | length }} |
{% endfor %}
{% for r in doc.runs if r.findings or r.error %}

### {{ r.region }} · {{ r.layer }}
{% if r.error %}

**Could not run:** {{ r.error }}
{% endif %}
{% for f in r.findings %}

- **{{ f.kind }}**: {{ f.message | replace("|", "\\\\|") }}
  reconcile: `{{ f.reconcile }}`
{% if f.diff %}

  ```diff
{{ f.diff | indent(2, true) }}
  ```
{% endif %}
{% endfor %}
{% endfor %}
{% if doc.exit_code == 0 %}

No drift: every checked resource, task and check matches its declaration.
{% endif %}
"""


HANDOVER = """\
# Handover report: {{ r.region }}

{{ r.started.strftime('%Y-%m-%d %H:%M UTC') }} · regionkit {{ r.version }} · {{ r.scope }}

Manifest: {{ r.source | cell }}

**Result: {{ doc.verdict }}** · {{ doc.totals.accepted }} accepted · {{ doc.totals.rejected }} rejected · {{ doc.totals.unlisted }} unlisted BMCs{% if r.swept %} ({{ r.swept }} addresses of the BMC ranges swept){% endif %}


Each server's BMC was read over Redfish and checked against the manifest above and the server
model's firmware baseline and BIOS settings (inventories/servers.yml). A rejected server goes no
further (bootstrap and verify leave it out) until a later handover accepts it.
{% for zone, rack, servers in r.racks() %}

## Rack {{ rack }} · zone {{ zone }}{% if r.site_of.get(zone) %} · {{ r.site_of[zone] | cell }}{% endif %}


| U | server | model | serial | BMC | verdict | read at (UTC) |
| ---: | --- | --- | --- | --- | --- | --- |
{% for s in servers %}
| {{ s.u }} | {{ s.server }} | {{ s.model }} | {{ s.serial }} | {{ s.address }} | {{ s.verdict }}{% if s.server in r.rotated %} (password rotated){% endif %} | {{ s.read_at.strftime('%Y-%m-%d %H:%M:%S') }} |
{% endfor %}
{% for s in servers if s.reasons %}
{% if loop.first %}

{% endif %}
{% for reason in s.reasons %}
- **{{ s.server }}** {{ reason.kind }}: {{ reason.message | cell }}. Fix: {{ reason.fix | cell }}
{% endfor %}
{% endfor %}

Handed over for {{ (r.site_of.get(zone) or 'the partner') | cell }}: name ________________ signature ________________ date __________

Accepted for {{ (r.operator or 'the operator') | cell }}: name ________________ signature ________________ date __________
{% endfor %}
{% if r.unlisted %}

## BMCs on the BMC range that the manifest does not list

Never admitted: each was read once, anonymously (its Redfish service root), and not logged in to.

| address | what answers | read at (UTC) | fix |
| --- | --- | --- | --- |
{% for u in r.unlisted %}
| {{ u.address }} | {{ u.reasons[0].message | cell }} | {{ u.read_at.strftime('%Y-%m-%d %H:%M:%S') }} | {{ u.reasons[0].fix | cell }} |
{% endfor %}
{% endif %}
"""


def _cell(text: object) -> str:
    """Text a BMC or a partner wrote, safe in a Markdown table cell: one line, no column breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


_ENV.filters["cell"] = _cell


def handover_markdown(report: HandoverReport) -> str:
    """The report a partner signs: one table per rack, the manifest's source, each reading's time."""
    return _ENV.from_string(HANDOVER).render(r=report, doc=report.to_dict())


def check_result(check: dict[str, Any]) -> str:
    """A check's result cell: the outcome, with the health verdict where it says more (a warning
    on a pass, an output that proved nothing on a failure)."""
    verdict = check.get("verdict", "")
    return f"{check['outcome']} ({verdict})" if verdict in ("warn", "unknown") else str(check["outcome"])


_ENV.filters["result"] = check_result


def verify_markdown(report: VerifyReport) -> str:
    doc = report.to_dict()
    svg = svg_curve(report.collective) if report.collective else ""
    return _ENV.from_string(VERIFY).render(**doc, svg=svg)


def drift_markdown(doc: dict[str, Any], version: str) -> str:
    return _ENV.from_string(DRIFT).render(doc=doc, version=version)
