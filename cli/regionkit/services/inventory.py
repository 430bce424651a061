"""A region's hosts, ready for Ansible: from wherever they come from (services/hosts.py) to the
inventory plan and its rendered `inventories/<region>/hosts.yml`. Every use case that touches
hosts starts here, and gets the typed plan back; nothing reads the rendered file to learn it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regionkit.adapters.ansible.inventory import sync_group_vars, write_inventory
from regionkit.catalog import files
from regionkit.errors import BadInputError, RegionkitError
from regionkit.planning.inventory import HELD_BACK_GROUP, NO_DEVICES_BY_DESIGN, InventoryPlan, plan_inventory
from regionkit.planning.outputs import StackOutputs
from regionkit.services.handover import held_back_servers
from regionkit.services.hosts import PINS, HostSource, Origin, hosts_for
from regionkit.services.session import Session


@dataclass(frozen=True)
class RegionHosts:
    source: HostSource
    outputs: StackOutputs
    plan: InventoryPlan
    path: Path  # the rendered inventory

    @property
    def hosts(self) -> list[str]:
        return self.plan.hosts


def inventory_path(source: HostSource) -> Path:
    """The rendered inventory of the hosts a source hands over."""
    return source.folder() / "hosts.yml"


def pins_path(source: HostSource) -> Path:
    """The artifact pins `mirror sync` writes for these hosts (beside their inventory)."""
    return source.folder() / "group_vars" / "all" / PINS


def region_hosts(session: Session, region: str, origin: Origin | None = None) -> RegionHosts:
    """The region's hosts and their inventory (written, or left as is when unchanged), with the group
    vars regionkit keeps beside it where the source has its own (a rehearsal's). Servers that
    handover did not accept are marked held back (`InventoryPlan.skipped`), with the reason."""
    source = hosts_for(session, region, origin)
    outputs = source.outputs()
    plan = plan_inventory(outputs, source.connection(), source.describe(), held_back_servers(session, region))
    if not plan.variables.get(NO_DEVICES_BY_DESIGN):
        _refuse_devices_by_design(session, source.folder())
    path = write_inventory(session.workspace, inventory_path(source), plan)
    group_vars = source.group_vars()
    if group_vars is not None:
        sync_group_vars(session.workspace, source.folder() / "group_vars", group_vars, keep={f"all/{PINS}"})
    return RegionHosts(source, outputs, plan, path)


def _refuse_devices_by_design(session: Session, folder: Path) -> None:
    """Only the place hosts come from may say they have no devices by design (lab hosts and
    stand-ins): the same words in an operator's group or host vars would let a real node with no
    working accelerator pass acceptance."""
    for path in sorted(p for sub in ("group_vars", "host_vars") for p in (folder / sub).rglob("*") if p.is_file()):
        shown = session.catalog.rel(path)
        if NO_DEVICES_BY_DESIGN in files.read_text(path, shown):
            raise BadInputError(
                f"{shown}: sets {NO_DEVICES_BY_DESIGN}, which only lab hosts carry (regionkit sets it where the hosts "
                "come from); remove it: a node whose accelerators are missing must fail acceptance"
            )


def going_on(hosts: RegionHosts, limit: str | None, use_case: str) -> tuple[list[str], dict[str, str]]:
    """The hosts `limit` selects that may go on, and those handover held back (host -> why).
    RegionkitError when every selected host is held back: there is nothing to run."""
    plan = hosts.plan
    scope = plan.match(limit)
    held = {h: plan.skipped[h] for h in scope if h in plan.skipped}
    going = [h for h in scope if h not in held]
    if held and not going:
        first = next(iter(held))
        raise RegionkitError(
            f"{use_case} {plan.region}: every host{' of --limit' if limit else ''} is held back at handover "
            f"({first}: {held[first]}{f'; and {len(held) - 1} more' if len(held) > 1 else ''}); "
            f"fix what handover found, then run `regionkit handover {plan.region}`"
        )
    return going, held


def ansible_limit(hosts: RegionHosts, limit: str | None, use_case: str) -> tuple[str | None, dict[str, str]]:
    """The `--limit` an Ansible run gets (what was asked for, less the held-back group, in Ansible's
    own pattern) and the hosts handover held back (host -> why)."""
    _, held = going_on(hosts, limit, use_case)
    return (f"{limit or 'all'}:!{HELD_BACK_GROUP}" if held else limit), held
