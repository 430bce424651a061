"""The region program: `pulumi stack select <region> && pulumi up` (or `regionkit up <region>`).

Loads the region from the catalog, builds its components, exports what the Ansible inventory
needs. The catalog is the one regionkit validated and handed over (config `regionkit:root`, or
REGIONKIT_ROOT in the engine's environment); run by hand, the folder holding inventories/ above
the working directory.
"""

from pathlib import Path

import pulumi

from backends import backend_for
from components import Region
from regionkit.catalog.load import find_root, load_catalog
from regionkit.planning.stack import plan_stack

config = pulumi.Config("regionkit")
key = config.get("region") or pulumi.get_stack()
catalog = load_catalog(find_root(config.get("root"), start=Path.cwd()))
region = catalog.region(key)
if region.status == "planned":
    raise pulumi.RunError(f"{key} is planned: run `regionkit validate {key}` to see what it lacks before it can be applied")
configured = pulumi.Config(region.cloud.backend).get("region")
if configured and configured != region.cloud.region_id:
    raise pulumi.RunError(
        f"stacks/Pulumi.{key}.yaml sets {region.cloud.backend}:region {configured}, "
        f"the catalog says {region.cloud.region_id}; make them agree"
    )

plan = plan_stack(catalog, region)
built = Region(key, plan, backend_for(plan))
for name, value in built.outputs.items():
    pulumi.export(name, value)
