"""`drift`: cloud (read-only preview --refresh), config (site.yml in check mode with --diff) and
health (the acceptance suites' cheap levels) for one or more regions, concurrently per region;
one report, redacted, written in every format to the run's folder. Never changes anything."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit import __version__
from regionkit.adapters.ansible.playbook import site_roles
from regionkit.adapters.ansible.runner import run_playbook
from regionkit.adapters.testinfra.suites import run_suites
from regionkit.content import docs_url
from regionkit.errors import BadInputError, RegionkitError
from regionkit.planning import drift as d
from regionkit.reports.junit import drift_junit
from regionkit.reports.markdown import drift_markdown
from regionkit.reports.redact import environment_secrets, redact_all
from regionkit.reports.sarif import drift_sarif
from regionkit.services.hosts import lab_holds
from regionkit.services.inventory import RegionHosts, ansible_limit, region_hosts
from regionkit.services.session import Session
from regionkit.services.stack import engine_settings
from regionkit.services.verify import checked_hosts

FORMATS = ("json", "markdown", "junit", "sarif")
FILES = {"json": "drift.json", "markdown": "drift.md", "junit": "drift.junit.xml", "sarif": "drift.sarif"}


@dataclass(frozen=True)
class DriftResult:
    report: d.DriftReport
    doc: dict[str, Any]  # the JSON report, redacted
    folder: Path  # every format, written

    def render(self, fmt: str) -> str:
        return render(self.doc, fmt)


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"
    if fmt == "junit":
        return drift_junit(doc)
    if fmt == "sarif":
        return json.dumps(drift_sarif(doc, __version__, docs_url()), indent=2, default=str) + "\n"
    if fmt == "markdown":
        return drift_markdown(doc, __version__)
    raise BadInputError(f"--format {fmt}: use one of {', '.join(FORMATS)}")


def parse_layers(text: str) -> list[str]:
    layers = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in layers if x not in d.LAYERS]
    if bad or not layers:
        raise BadInputError(
            f"--layers {text}: unknown layer(s) {', '.join(bad) or '(none)'}; use a comma list of {','.join(d.LAYERS)}"
        )
    return layers


def choose_regions(session: Session, regions: list[str], all_: bool) -> list[str]:
    if all_ and regions:
        raise BadInputError("give REGION... or --all, not both")
    if all_:
        # Cloud regions that are not planned, and the region the lab's hosts are up for.
        held = lab_holds(session)
        return sorted(
            k for k, r in session.catalog.regions.items() if r.status != "planned" and (r.cloud.backend != "none" or k == held)
        )
    if not regions:
        raise BadInputError("name at least one REGION, or --all (every region that is not planned)")
    for key in regions:
        session.catalog.region(key)
    return regions


def _cloud(session: Session, region: str, backend: str | None) -> d.LayerRun:
    from regionkit.adapters.pulumi import engine

    run = d.LayerRun("cloud", region)
    if session.catalog.region(region).cloud.backend == "none":
        run.status = "skipped"
        run.not_verified.append(f"(stack): {region} has no cloud stack (cloud.backend: none)")
        return run
    started = time.monotonic()
    try:
        preview = engine.drift_preview(engine_settings(session, backend), region)
    except RegionkitError as exc:
        run.error = str(exc)
        return run.settle()
    run.seconds = time.monotonic() - started
    if not preview.deployed:  # selected, never created: a region never applied has no state to compare
        run.status = "not deployed"
        run.not_verified.append(f"(stack): {region} was never applied (no stack); `regionkit up {region}` creates it")
        return run
    if preview.errors:
        run.error = f"pulumi preview --refresh {region} failed: " + " | ".join(preview.errors)[:2000]
        return run.settle()
    return d.cloud_findings(region, preview.steps, session.catalog.policy.drift.ignore, run)


def _config(session: Session, hosts: RegionHosts, limit: str | None) -> d.LayerRun:
    region = hosts.plan.region
    run = d.LayerRun("config", region)
    started = time.monotonic()
    try:
        env = hosts.source.credentials()  # the roles presign mirror URLs even in check mode
        limit, _ = ansible_limit(hosts, limit, "drift")  # held-back servers were never configured
    except RegionkitError as exc:
        run.error = str(exc)
        return run.settle()
    playbook = session.content.site_playbook
    result = run_playbook(session.workspace, region, playbook, hosts.path, limit=limit, check=True, diff=True, env=env)
    run.seconds = time.monotonic() - started
    if not result.hosts:
        run.error = f"check mode reached no host: {result.output_tail or result.status}"
        return run.settle()
    if not result.finished:  # hosts it never reached would read as clean
        run.error = f"the check-mode run stopped before the end of the play ({result.status}): {result.output_tail[-500:]}"
        return run.settle()
    return d.config_findings(region, result.hosts, site_roles(playbook), run)


def _health(session: Session, hosts: RegionHosts, level: int, limit: str | None, folder: Path) -> d.LayerRun:
    region = hosts.plan.region
    run = d.LayerRun("health", region)
    started = time.monotonic()
    out = session.workspace.folder(*folder.relative_to(session.workspace.root).parts, f"health-{region}")
    try:
        suite = run_suites(hosts.path, checked_hosts(hosts, limit, "drift")[0], level, out)
    except BadInputError as exc:
        run.error = str(exc)
        return run.settle()
    run.seconds = time.monotonic() - started
    if not suite.checks or suite.silent:
        where = f" on {', '.join(suite.silent)}" if suite.checks else ""
        run.error = f"the health checks did not run{where}; see {session.catalog.rel(out / 'pytest.log')}"
        return run.settle()
    return d.health_findings(region, suite.checks, site_roles(session.content.site_playbook), run)


def _secrets(sources: list[RegionHosts]) -> list[str]:
    """Values that must never reach a report: secret-named environment variables and the secrets of
    the places hosts came from (the lab mirror's keys)."""
    values = environment_secrets(os.environ)
    for hosts in sources:
        values += hosts.source.secrets()
    return values


def drift(
    session: Session,
    regions: list[str],
    layers: list[str],
    level: int = 2,
    limit: str | None = None,
    backend: str | None = None,
) -> DriftResult:
    """Find drift in every asked layer of every region; the result's exit code says what was found."""
    started, t0 = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), time.monotonic()
    folder = session.workspace.run_folder("drift")
    runs: list[d.LayerRun] = []
    sources: list[RegionHosts] = []
    for region in regions:
        jobs = {}
        with ThreadPoolExecutor(max_workers=3) as pool:
            if "cloud" in layers:
                jobs["cloud"] = pool.submit(_cloud, session, region, backend)
            if {"config", "health"} & set(layers):
                try:
                    hosts = region_hosts(session, region)
                except BadInputError as exc:
                    runs += [d.LayerRun(layer, region, error=str(exc)).settle() for layer in ("config", "health") if layer in layers]
                else:
                    sources.append(hosts)
                    if "config" in layers:
                        jobs["config"] = pool.submit(_config, session, hosts, limit)
                    if "health" in layers:
                        jobs["health"] = pool.submit(_health, session, hosts, level, limit, folder)
            session.progress.status(f"drift {region}: {', '.join(jobs)}")
            runs += [jobs[k].result() for k in d.LAYERS if k in jobs]
    order = {layer: i for i, layer in enumerate(d.LAYERS)}
    runs.sort(key=lambda r: (r.region, order[r.layer]))
    report = d.DriftReport(runs, started, time.monotonic() - t0)
    doc: dict[str, Any] = redact_all(report.to_dict(), _secrets(sources))
    for fmt in FORMATS:
        session.workspace.write(folder / FILES[fmt], render(doc, fmt))
    return DriftResult(report, doc, folder)
