"""`bootstrap`: converge a region's nodes with the site playbook through ansible-runner."""

from __future__ import annotations

from regionkit.adapters.ansible.runner import RunResult, run_playbook
from regionkit.services.inventory import ansible_limit, going_on, region_hosts
from regionkit.services.registration import CreateActivations, ReadStack, node_activations
from regionkit.services.session import Session

REGISTRATION_TAG = "registration"  # playbooks/site.yml: roles/node_registration


def bootstrap(
    session: Session,
    region: str,
    limit: str | None = None,
    tags: str | None = None,
    check: bool = False,
    backend: str | None = None,
    create: CreateActivations | None = None,
    read_stack: ReadStack | None = None,
) -> RunResult:
    """Run site.yml on the region's hosts (check mode reports what would change, with diffs).
    Unreachable or failing hosts never stop the others; the result says which they were. Hosts
    handover did not accept are left out (`held_back` says why). The activations the nodes register
    with are obtained just before the run and reach it only through its environment; `backend` is
    the stack's state backend, where AWS's activations are read from."""
    hosts = region_hosts(session, region)
    going, _ = going_on(hosts, limit, "bootstrap")
    run_limit, held = ansible_limit(hosts, limit, "bootstrap")
    registers = tags is None or REGISTRATION_TAG in {t.strip() for t in tags.split(",")}
    activations = node_activations(session, hosts, going if registers else [], check, backend, create, read_stack)
    result = run_playbook(
        session.workspace,
        region,
        session.content.site_playbook,
        hosts.path,
        run_limit,
        tags,
        check,
        check,
        {**hosts.source.credentials(), **activations.env},
        session.progress.host,
    )
    result.held_back = held
    result.registration = activations.notes
    return result
