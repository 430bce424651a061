"""Markdown reports: verify's acceptance report and drift's summary (a CI job summary)."""

from __future__ import annotations

from typing import Any

import jinja2

from regionkit.planning.acceptance import VerifyReport
from regionkit.reports.picture import svg_curve

_ENV = jinja2.Environment(
    autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
)

VERIFY = """\
# Acceptance report: {{ region }}

{{ when }} · regionkit {{ version }} · levels 0-{{ level }} · {{ host_count }} hosts

**Result: {{ verdict }}** · {{ totals.passed }} passed · {{ totals.failed }} failed · {{ totals.not_verified }} not verified

A check that could not run (no device on the host) is listed as *not verified*, never as passed.

## Pools

| pool | hosts | passed | failed | not verified |
| --- | --- | --- | --- | --- |
{% for pool in pools %}
| {{ pool.name }} | {{ pool.hosts | join(', ') }} | {{ pool.passed }} | {{ pool.failed }} | {{ pool.not_verified }} |
{% endfor %}

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

| level | check | result | detail |
| --- | --- | --- | --- |
{% for c in host.checks %}
| L{{ c.level }} | {{ c.name }} | {{ c.outcome }} | {{ c.detail | replace('|', '/') | replace('\\n', ' ') | truncate(160) }} |
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


def verify_markdown(report: VerifyReport) -> str:
    doc = report.to_dict()
    svg = svg_curve(report.collective) if report.collective else ""
    return _ENV.from_string(VERIFY).render(**doc, svg=svg)


def drift_markdown(doc: dict[str, Any], version: str) -> str:
    return _ENV.from_string(DRIFT).render(doc=doc, version=version)
