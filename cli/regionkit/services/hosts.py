"""Where a region's hosts come from: the one seam, chosen once per region.

- the lab (`regionkit lab up`): local hosts built for the `lab` region, or standing in for any
  region's pools (`regionkit lab up --region R`);
- the region's deployed stack: its outputs as `regionkit up` or `regionkit inventory --from stack`
  last read them;
- the region's plan (offline, under the mock engine): for `regionkit inventory --from plan`.

Each hands over the same StackOutputs, plus how Ansible reaches the hosts and how the mirror
credentials are found. Nothing after this module asks which one it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from regionkit.adapters.lab import hosts as lab
from regionkit.catalog import files
from regionkit.catalog.model import RegionSpec
from regionkit.errors import BadInputError
from regionkit.planning.lab import sized
from regionkit.planning.outputs import StackOutputs, read_outputs
from regionkit.services.session import Session

Origin = Literal["lab", "stack", "plan"]
ANSIBLE_TAGS = ("!unsafe", "!vault")


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

    @property
    def builds_stand_in_artifacts(self) -> bool:
        """Whether the vendor artifacts these hosts need can be stood in for (no vendor files needed)."""
        ...

    def region_spec(self) -> RegionSpec:
        """The region as these hosts were planned: its pools and the partner's manifest."""
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
        if self.region != "lab":  # stand-ins are lab hosts too: the lab's own settings hold for them
            variables.update(lab_settings(self.session))
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

    @property
    def builds_stand_in_artifacts(self) -> bool:
        return True

    def region_spec(self) -> RegionSpec:
        """As declared, or as `lab up --nodes N` sized it (with the manifest derived for that size)."""
        spec = self.session.catalog.region(self.region)
        state = lab.load_state(self.paths)
        nodes = state.get("nodes") if state and state.get("outputs", {}).get("region") == self.region else None
        return sized(spec, int(nodes)) if nodes else spec


def lab_settings(session: Session) -> dict[str, Any]:
    """The lab's role settings, from its committed group vars (inventories/lab/group_vars/all/lab.yml)."""
    path = session.region_folder("lab") / "group_vars" / "all" / "lab.yml"
    # Ansible variables: anchors are allowed (bounded), and Ansible's own !unsafe tag.
    data = files.read_yaml(path, session.catalog.rel(path), anchors=True, tags=ANSIBLE_TAGS) or {}
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: the lab's settings must be a mapping of variables")
    return data


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

    @property
    def builds_stand_in_artifacts(self) -> bool:
        return False

    def region_spec(self) -> RegionSpec:
        return self.session.catalog.region(self.region)


@dataclass
class PlanHosts(StackHosts):
    """A cloud region's hosts as its plan says they will be (the program under the mock engine)."""

    origin: Origin = "plan"

    def outputs(self) -> StackOutputs:
        from regionkit.services.stack import synthesize_outputs

        return synthesize_outputs(self.session, self.region)

    def describe(self) -> str:
        return f"the plan of stack {self.region}"


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
