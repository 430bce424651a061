# Copyright: regionkit contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory plugin: a region's hosts, groups and variables, exactly as `regionkit inventory` renders
them, for AWX/AAP and plain ansible-inventory. It runs regionkit's own code (the seam that says where
the region's hosts come from, and the inventory planner), so the two can never disagree."""

from __future__ import annotations

DOCUMENTATION = r"""
name: region
short_description: a regionkit region's hosts, from its declaration and stack outputs (or the lab's)
description:
  - Reads the catalog (the folder with C(inventories/)) and the region's hosts from where they come from
    (the deployed stack's recorded outputs, its plan, or the lab), and yields the hosts, groups
    (region, zones, pools) and variables C(regionkit inventory) writes to C(hosts.yml).
  - Servers C(regionkit handover) did not accept are also in the group C(regionkit_held_back), each with
    C(regionkit_held_back_reason); limit plays with C(:!regionkit_held_back) to leave them out.
  - Every value but Ansible's own connection variables is marked unsafe: it is never templated.
  - Needs the regionkit Python package (the base install) where the plugin runs.
  - The configuration file's name must end in C(regionkit.yml) or C(regionkit.yaml).
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [regionkit.accelerators.region]
  region:
    description: The region key (C(de-fra-1), C(lab), ...).
    required: true
    type: str
  catalog:
    description: The catalog root (the folder holding C(inventories/)); default, the first such folder above this file.
    type: path
  source:
    description:
      - Where the hosts come from. C(auto) is regionkit's own choice (the lab when it holds the region,
        else the deployed stack's outputs); C(stack) the recorded outputs of the deployed stack; C(plan) the
        region's plan under Pulumi's mock runtime (needs the aws or alicloud extra).
    type: str
    default: auto
    choices: [auto, stack, plan]
"""

EXAMPLES = r"""
# inventories/de-fra-1/regionkit.yml
plugin: regionkit.accelerators.region
region: de-fra-1
"""

from pathlib import Path  # noqa: E402

from ansible.errors import AnsibleParserError  # noqa: E402
from ansible.plugins.inventory import BaseInventoryPlugin  # noqa: E402
from ansible.utils.unsafe_proxy import wrap_var  # noqa: E402

try:  # ansible-core 2.19 and later: a plugin's strings are untrusted unless said otherwise
    from ansible.template import trust_as_template
except ImportError:  # earlier: a plain string is already what a file's would be

    def trust_as_template(value):
        return value


def _value(key, value, never_templated):
    """What regionkit's inventory file would hold (regionkit.planning.inventory.never_templated):
    strings marked unsafe, never templated; Ansible's connection variables as a file's would be."""
    if isinstance(value, dict):
        return {k: _value(k, v, never_templated) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(key, v, never_templated) for v in value]
    if never_templated(str(key), value):
        return wrap_var(value)
    return trust_as_template(value) if isinstance(value, str) else value


class InventoryModule(BaseInventoryPlugin):
    NAME = "regionkit.accelerators.region"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("regionkit.yml", "regionkit.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            from regionkit.catalog.load import find_root
            from regionkit.errors import RegionkitError
            from regionkit.planning.inventory import never_templated, plan_inventory
            from regionkit.services.handover import held_back_servers
            from regionkit.services.hosts import hosts_for
            from regionkit.services.session import Session
        except ImportError as exc:
            raise AnsibleParserError(
                f"{path}: the regionkit inventory plugin needs the regionkit Python package ({exc}); pip install regionkit"
            ) from None
        region = self.get_option("region")
        source = self.get_option("source")
        try:
            root = find_root(self.get_option("catalog"), start=Path(path).resolve().parent)
            session = Session(root)
            hosts = hosts_for(session, region, None if source == "auto" else source)
            # Servers handover did not accept: in the group regionkit_held_back, each with its reason.
            plan = plan_inventory(hosts.outputs(), hosts.connection(), hosts.describe(), held_back_servers(session, region))
        except RegionkitError as exc:
            raise AnsibleParserError(f"{path}: {exc}") from None
        self._add(plan.document()["all"], "all", never_templated)

    def _add(self, node, group, never_templated):
        for key, value in (node.get("vars") or {}).items():
            self.inventory.set_variable(group, key, _value(key, value, never_templated))
        for host, variables in (node.get("hosts") or {}).items():
            self.inventory.add_host(host, group=group)
            for key, value in (variables or {}).items():
                self.inventory.set_variable(host, key, _value(key, value, never_templated))
        for child, sub in (node.get("children") or {}).items():
            self.inventory.add_group(child)
            self.inventory.add_child(group, child)
            self._add(sub or {}, child, never_templated)
