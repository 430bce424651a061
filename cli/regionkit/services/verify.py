"""`verify`: prove a region's hosts healthy with the acceptance suites (testinfra), and write the
acceptance report (Markdown, HTML, JUnit) into the run's folder."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from regionkit import __version__
from regionkit.adapters.testinfra.suites import run_suites
from regionkit.catalog import files
from regionkit.errors import BadInputError
from regionkit.planning.acceptance import CollectiveAcceptance, VerifyReport
from regionkit.planning.results import CheckResult
from regionkit.reports.html import verify_html
from regionkit.reports.markdown import verify_markdown
from regionkit.services.inventory import RegionHosts, going_on, region_hosts
from regionkit.services.session import Session
from regionkit.workspace import write_output


def checked_hosts(hosts: RegionHosts, limit: str | None, use_case: str) -> tuple[list[str], dict[str, str]]:
    """The hosts a run checks (every host of the region, or those `limit`, an Ansible pattern,
    names), and those handover held back (host -> why), which are not checked."""
    going, held = going_on(hosts, limit, use_case)
    if not going:
        raise BadInputError(
            f"--limit {limit}: names no host of {hosts.plan.region}; its hosts: {', '.join(hosts.hosts)} "
            f"(groups: {', '.join(sorted(hosts.plan.groups()))})"
        )
    return going, held


def verify(session: Session, region: str, level: int = 3, limit: str | None = None, junit: Path | None = None) -> VerifyReport:
    """Levels 0..`level` on the region's hosts (or `limit`); the report's exit code says the verdict.
    Hosts handover did not accept are left out and listed as held back (not verified)."""
    hosts = region_hosts(session, region)
    going, held = checked_hosts(hosts, limit, "verify")
    out = session.workspace.run_folder("verify", region)
    started = time.monotonic()
    session.progress.status(f"verify {region}: levels 0-{level} on {len(going)} hosts")
    run = run_suites(hosts.path, going, level, out)
    log = session.catalog.rel(out / "pytest.log")
    if not run.checks:
        raise BadInputError(f"verify ran no check; see {log}")
    # A host no check reported on was not checked: it fails, it is never left out of the verdict.
    run.checks += [CheckResult(h, 0, "checks_ran", "failed", f"no check reported on this host; see {log}") for h in run.silent]
    if junit:
        write_output(junit, files.read_bytes(run.junit, limit=files.MAX_BYTES * 64))
    report = VerifyReport(
        region=region,
        level=level,
        when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        checks=run.checks,
        pool_of={h: p for h, p in hosts.plan.pool_of.items() if h in going},
        wall_s=time.monotonic() - started,
        held_back=held,
    )
    if run.figures:
        f = run.figures
        report.collective = CollectiveAcceptance(f["sizes"], f["busbw_gbps"], f["link_gbps"], f["floor_gbps"], f["floor_source"])
        report.collective_hosts = list(f["hosts"])
        report.link_flows_gbps = list(f.get("link_flows_gbps", []))
    report.report = str(out / "report.md")
    session.workspace.write(out / "report.md", verify_markdown(report))
    session.workspace.write(out / "report.html", verify_html(report))
    return report
