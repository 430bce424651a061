"""What the play says about its roles (read from playbooks/site.yml by adapters/ansible/playbook.py):
the tags that re-run a role, and the listed role a role's results belong under. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteRoles:
    """The play's roles in order with their tags, and for every role the listed role it runs under."""

    tags: dict[str, str]  # listed role -> its tags ("a,b")
    owner: dict[str, tuple[str, ...]]  # any role -> the listed roles that run it

    @property
    def listed(self) -> list[str]:
        return list(self.tags)

    def tags_for(self, role: str) -> str:
        """The --tags that re-run `role`: its own, or those of every listed role that runs it."""
        found: list[str] = []
        for listed in self.owner.get(role, ()):
            found += [t for t in self.tags[listed].split(",") if t not in found]
        return ",".join(found)

    def column(self, role: str) -> str:
        """The listed role a result belongs under (a vendor role under the role that includes it)."""
        owners = self.owner.get(role, ())
        return owners[0] if owners else role
