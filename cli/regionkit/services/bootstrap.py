"""`bootstrap`: converge a region's nodes with the site playbook through ansible-runner."""

from __future__ import annotations

from regionkit.adapters.ansible.runner import RunResult, run_playbook
from regionkit.planning.inventory import HELD_BACK_GROUP
from regionkit.services.inventory import going_on, region_hosts
from regionkit.services.session import Session


def bootstrap(session: Session, region: str, limit: str | None = None, tags: str | None = None, check: bool = False) -> RunResult:
    """Run site.yml on the region's hosts (check mode reports what would change, with diffs).
    Unreachable or failing hosts never stop the others; the result says which they were. Hosts
    handover did not accept are left out (`held_back` says why)."""
    hosts = region_hosts(session, region)
    _, held = going_on(hosts, limit, "bootstrap")
    if held:  # Ansible's own pattern: what was asked for, less the group of held-back hosts
        limit = f"{limit or 'all'}:!{HELD_BACK_GROUP}"
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
