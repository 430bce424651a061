"""Where a region's hosts come from: the one seam, chosen once per region.

- the lab (`regionkit lab up`): local hosts built for the `lab` region, or standing in for any
  region's pools (`regionkit lab up --region R`);
- the region's deployed stack: its outputs as `regionkit up` or `regionkit inventory --from stack`
  last read them;
- the region's plan (offline, under the mock engine): for `regionkit inventory --from plan`.

Each hands over the same StackOutputs, plus how Ansible reaches the hosts, how the mirror
credentials are found, and where the region's inventory and the artifact pins regionkit writes
live. Nothing after this module asks which one it was.

What a rehearsal (lab stand-ins for a region R) changes, decided here and nowhere else:
- the hosts, the artifact mirror and the package source are the lab's (`lab_outputs`); the
  mirror's URLs are still signed for R's own cloud region;
- R's inventory is rendered into the workspace (`.regionkit/rehearsals/R/`), never over R's own
  `inventories/R/hosts.yml`, with group vars of its own beside it: R's committed overrides
  (`inventories/R/group_vars/`, copied), then the lab's settings, which load last and win (a lab
  host cannot own its clock or kernel, whatever R says), and its own artifact pins: the lab's
  stand-in artifacts have other sums than the vendors' files, and R's committed pins stay untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from regionkit.adapters.lab import hosts as lab
from regionkit.catalog import files
from regionkit.catalog.model import RegionSpec
from regionkit.errors import BadInputError
from regionkit.planning.artifacts import ArtifactPlan
from regionkit.planning.inventory import NO_DEVICES_BY_DESIGN
from regionkit.planning.lab import per_pool, sized
from regionkit.planning.outputs import PoolOutput, RegistrationOutput, StackOutputs, read_outputs
from regionkit.services.session import Session

Origin = Literal["lab", "stack", "plan"]
ANSIBLE_TAGS = ("!unsafe", "!vault")
PINS = "artifacts.yml"  # in group_vars/all/: written by `mirror sync`
LAB_SETTINGS = "lab.yml"  # in inventories/lab/group_vars/all/
# Beside a rehearsal's inventory, the lab's settings load after R's overrides: Ansible reads the
# files of a group_vars folder in lexical order, and a later file wins.
STAND_IN_SETTINGS = "zz-lab-stand-ins.yml"


class HostSource(Protocol):
    origin: Origin

    def outputs(self) -> StackOutputs:
        """The hosts, pools, mirror and package source, as a stack's outputs say them."""
        ...

    def connection(self) -> dict[str, Any]:
        """Inventory variables on `all`: how Ansible reaches these hosts, and what their kind needs."""
        ...

    def credentials(self) -> dict[str, str]:
        """Environment for the mirror's S3 credentials ({} when the standard AWS chain finds them)."""
        ...

    def secrets(self) -> list[str]:
        """Values no report may show."""
        ...

    def describe(self) -> str:
        """Where the hosts came from, in words (for the inventory's header and messages)."""
        ...

    def folder(self) -> Path:
        """Where the region's inventory (hosts.yml) and its group vars live for these hosts."""
        ...

    def group_vars(self) -> dict[str, str] | None:
        """Group var files regionkit keeps beside the inventory (path under group_vars/ -> text), the pins
        aside; None: the folder's group vars are the operator's own, and regionkit writes only the pins."""
        ...

    def stand_ins(self, needed: list[ArtifactPlan], pools: list[PoolOutput]) -> Path | None:
        """Build stand-ins for the vendor artifacts (and vendor packages) these hosts need, and return the
        folder of the artifacts; None where the vendors' own files are needed (`mirror sync --from DIR`)."""
        ...

    def region_spec(self) -> RegionSpec:
        """The region as these hosts were planned: its pools and the partner's manifest."""
        ...

    def registration(self) -> list[RegistrationOutput]:
        """How these hosts' pools register with the cloud's node manager; [] where they do not register
        (lab hosts and stand-ins are no cloud's nodes; a plan has deployed nothing to register with)."""
        ...


@dataclass
class LabHosts:
    """Lab hosts: the `lab` region's own, or stand-ins for another region's pools."""

    session: Session
    region: str
    origin: Origin = "lab"

    @property
    def paths(self) -> lab.LabPaths:
        return lab.LabPaths(self.session.workspace)

    def outputs(self) -> StackOutputs:
        state = lab.up_state(self.paths)
        outputs = read_outputs(state["outputs"])
        if outputs.region != self.region:
            raise BadInputError(
                f"the lab stands in for {outputs.region}, not {self.region}; run `regionkit lab down`, then `regionkit lab up"
                + ("`" if self.region == "lab" else f" --region {self.region}`")
            )
        return outputs

    def connection(self) -> dict[str, Any]:
        variables = lab.connection_vars(self.paths)
        # Lab hosts are namespaces on one machine: whatever accelerators their pools declare, they
        # have none, by construction. Said here, where the hosts come from, so no operator setting
        # can turn a real node's missing devices into "by design" by copying the lab's files.
        variables[NO_DEVICES_BY_DESIGN] = True
        return variables

    def credentials(self) -> dict[str, str]:
        return lab.mirror_keys(self.paths)

    def secrets(self) -> list[str]:
        return list(self.credentials().values())

    def describe(self) -> str:
        return (
            "`regionkit lab up`"
            if self.region == "lab"
            else f"lab stand-ins for {self.region} (`regionkit lab up --region {self.region}`)"
        )

    def folder(self) -> Path:
        if self.region == "lab":
            return self.session.region_folder("lab")
        return self.session.workspace.folder("rehearsals", self.region)

    def group_vars(self) -> dict[str, str] | None:
        if self.region == "lab":
            return None
        files = committed_group_vars(self.session.region_folder(self.region) / "group_vars")
        files[f"all/{STAND_IN_SETTINGS}"] = _stand_in_settings(self.session)
        return files

    def stand_ins(self, needed: list[ArtifactPlan], pools: list[PoolOutput]) -> Path | None:
        from regionkit.adapters.lab.artifacts import build_all

        folder = self.session.workspace.stand_in_artifacts_dir()
        build_all(needed, folder)
        if self.region != "lab":  # the lab serves Debian's NVIDIA userspace; a region pins its own branch
            lab.publish_stand_in_packages(self.paths, pools)
        return folder

    def region_spec(self) -> RegionSpec:
        """As declared, or as `lab up --nodes N` sized it (with the manifest derived for that size); for
        stand-ins, the region's pools as the lab built them: no partner manifest (stand-ins have no BMC)."""
        spec = self.session.catalog.region(self.region)
        if self.region != "lab":
            pools = {p.name: len(p.hosts) for p in self.outputs().pools}
            return per_pool(spec, max(pools.values(), default=1))
        state = lab.load_state(self.paths)
        nodes = state.get("nodes") if state and state.get("outputs", {}).get("region") == self.region else None
        return sized(spec, int(nodes)) if nodes else spec

    def registration(self) -> list[RegistrationOutput]:
        return []


def committed_group_vars(folder: Path) -> dict[str, str]:
    """The operator's committed group var files of a region (path under group_vars/ -> text), its
    artifact pins aside."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(folder).as_posix()
        if rel != f"all/{PINS}":
            found[rel] = files.read_text(path, follow=False)
    return found


def _stand_in_settings(session: Session) -> str:
    """The lab's role settings (inventories/lab/group_vars/all/lab.yml), for stand-ins of another region."""
    path = session.region_folder("lab") / "group_vars" / "all" / LAB_SETTINGS
    shown = session.catalog.rel(path)
    text = files.read_text(path, shown)
    # Ansible variables: anchors are allowed (bounded), and Ansible's own !unsafe tag.
    data = files.read_yaml(path, shown, anchors=True, tags=ANSIBLE_TAGS) or {}
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: the lab's settings must be a mapping of variables")
    header = (
        f"# Copied by regionkit from {session.catalog.rel(path)} for lab stand-ins; do not edit.\n"
        "# Loaded after the region's own overrides (lexical order): the lab's settings win on lab hosts.\n"
    )
    return header + text


@dataclass
class StackHosts:
    """A cloud region's hosts, from its deployed stack's outputs."""

    session: Session
    region: str
    origin: Origin = "stack"

    def outputs(self) -> StackOutputs:
        path = self.session.workspace.outputs_file(self.region)
        shown = self.session.catalog.rel(path)
        fix = f"re-read them with `regionkit inventory {self.region} --from stack`"
        try:
            data = files.read_json(path, shown, follow=False)
        except files.MissingFile:
            raise BadInputError(
                f"{self.region}: no stack outputs yet; run `regionkit up {self.region}` "
                f"(or `regionkit inventory {self.region} --from stack`), or rehearse with lab stand-ins: "
                f"`regionkit lab up --region {self.region}`"
            ) from None
        except files.FileProblem as exc:
            raise BadInputError(f"{str(exc).split('. Fix:')[0]}; {fix}") from None
        try:
            return read_outputs(data)
        except ValueError as exc:
            first = str(exc).splitlines()[0]
            raise BadInputError(f"{shown}: not the outputs of a regionkit stack ({first}); {fix}") from None

    def connection(self) -> dict[str, Any]:
        return {}

    def credentials(self) -> dict[str, str]:
        return {}

    def secrets(self) -> list[str]:
        return []

    def describe(self) -> str:
        return f"the outputs of stack {self.region}"

    def folder(self) -> Path:
        return self.session.region_folder(self.region)

    def group_vars(self) -> dict[str, str] | None:
        return None

    def stand_ins(self, needed: list[ArtifactPlan], pools: list[PoolOutput]) -> Path | None:
        return None

    def region_spec(self) -> RegionSpec:
        return self.session.catalog.region(self.region)

    def registration(self) -> list[RegistrationOutput]:
        """As the recorded outputs say; their activation ids and codes are masked there (the record keeps
        no secret), so bootstrap reads those from the stack itself (services/registration.py)."""
        return list(self.outputs().registration)


@dataclass
class PlanHosts(StackHosts):
    """A cloud region's hosts as its plan says they will be (the program under the mock engine)."""

    origin: Origin = "plan"

    def outputs(self) -> StackOutputs:
        from regionkit.services.stack import synthesize_outputs

        return synthesize_outputs(self.session, self.region)

    def describe(self) -> str:
        return f"the plan of stack {self.region}"

    def registration(self) -> list[RegistrationOutput]:
        return []


def lab_holds(session: Session) -> str | None:
    """The region whose hosts the lab holds now (its own, or one it stands in for), if it is up."""
    return lab.stands_for(lab.LabPaths(session.workspace))


def hosts_for(session: Session, region: str, origin: Origin | None = None) -> HostSource:
    """The place `region`'s hosts come from: the lab when it holds them (or the region has no
    cloud), else the region's stack; `origin` forces one."""
    spec = session.catalog.region(region)
    if origin == "plan":
        return PlanHosts(session, region)
    if origin != "stack" and (spec.cloud.backend == "none" or lab_holds(session) == region):
        return LabHosts(session, region)
    return StackHosts(session, region)
