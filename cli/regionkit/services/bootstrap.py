"""`bootstrap`: converge a region's nodes with the site playbook through ansible-runner."""

from __future__ import annotations

from regionkit.adapters.ansible.runner import RunResult, run_playbook
from regionkit.services.inventory import ansible_limit, region_hosts
from regionkit.services.session import Session


def bootstrap(session: Session, region: str, limit: str | None = None, tags: str | None = None, check: bool = False) -> RunResult:
    """Run site.yml on the region's hosts (check mode reports what would change, with diffs).
    Unreachable or failing hosts never stop the others; the result says which they were. Hosts
    handover did not accept are left out (`held_back` says why)."""
    hosts = region_hosts(session, region)
    limit, held = ansible_limit(hosts, limit, "bootstrap")
    result = run_playbook(
        session.workspace,
        region,
        session.content.site_playbook,
        hosts.path,
        limit,
        tags,
        check,
        check,
        hosts.source.credentials(),
        session.progress.host,
    )
    result.held_back = held
    return result
