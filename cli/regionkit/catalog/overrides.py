"""`policy.local.yml`: the operator's overrides of the shipped policy, visible and bounded.

Rules replace shipped rules by id, jurisdictions replace shipped jurisdictions by key, the
`operator` and `power` sections replace the shipped ones field by field, `cloud_regions` add to
or change the shipped map per cloud, and `drift` replaces the shipped section. Every override is
recorded (`PolicyOverride`) so that `validate` and `plan` name each rule and section replaced.

An override that *relaxes* the shipped policy is refused unless it says so: it carries
`relaxes: <its id>` and a `reason:`, which every report shows. Relaxing is:

- an export rule whose action weakens (deny > licence > risk > allow), or that covers less
  (fewer accelerators, operator headquarters or countries; more exceptions);
- a jurisdiction with more countries, replication allowed to leave, or fewer regimes (or a regime
  that covers fewer countries);
- a cloud region placed in another country, or added (residency decisions rest on that map);
- less power headroom, or more air-cooled kW per rack;
- another operator headquarters (every export decision rests on it);
- drift ignore rules added.

The id an override names in `relaxes:` is the export rule's id, `jurisdictions.<KEY>`,
`cloud_regions.<cloud>`, `power`, `operator` or `drift`. Pure: the caller reads the files.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from regionkit.catalog.model import (
    Country,
    DriftSpec,
    ExportRuleSpec,
    JurisdictionSpec,
    _Spec,
)

STRICTNESS = {"allow": 0, "risk": 1, "licence": 2, "deny": 3}


class _Relaxing(_Spec):
    relaxes: str | None = Field(default=None, description="The id of the shipped rule or section this override relaxes, on purpose.")
    reason: str | None = Field(default=None, min_length=10, description="Why (on whose advice); shown in every report.")

    @model_validator(mode="after")
    def _reason_with_relaxes(self) -> _Relaxing:
        if self.relaxes is not None and not self.reason:
            raise ValueError("relaxes: needs a reason: (why, on whose advice); it is shown in every report")
        return self


class ExportRuleOverride(ExportRuleSpec, _Relaxing):
    pass


class JurisdictionOverride(JurisdictionSpec, _Relaxing):
    pass


class DriftOverride(DriftSpec, _Relaxing):
    pass


class OperatorOverride(_Relaxing):
    name: str | None = None
    headquarters: Country | None = None
    resource_prefix: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9\-]{1,20}$")


class PowerOverride(_Relaxing):
    headroom_pct: float | None = Field(default=None, ge=0, lt=100, strict=True, allow_inf_nan=False)
    air_cooling_max_kw_per_rack: float | None = Field(default=None, gt=0, strict=True, allow_inf_nan=False)
    source: str | None = None


class CloudRegionsOverride(_Relaxing):
    """One cloud's region -> country entries, with the section's `relaxes:` and `reason:`."""

    regions: dict[str, Country] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        keep = {k: data[k] for k in ("relaxes", "reason") if k in data}
        return {**keep, "regions": {k: v for k, v in data.items() if k not in ("relaxes", "reason")}}


class PolicyOverrideSpec(_Spec):
    """inventories/policy.local.yml."""

    operator: OperatorOverride | None = None
    power: PowerOverride | None = None
    export_control: list[ExportRuleOverride] = Field(default_factory=list)
    jurisdictions: dict[str, JurisdictionOverride] = Field(default_factory=dict)
    cloud_regions: dict[Literal["alicloud", "aws"], CloudRegionsOverride] = Field(default_factory=dict)
    drift: DriftOverride | None = None


@dataclass(frozen=True)
class PolicyOverride:
    """One rule or section policy.local.yml adds or replaces."""

    section: str
    id: str
    change: Literal["added", "replaced"]
    relaxes: list[str]  # how it relaxes the shipped policy; empty: it does not
    reason: str | None
    line: int | None = None

    def one_line(self) -> str:
        text = f"policy.local.yml {self.change} {self.id}"
        if self.relaxes:
            text += f" (relaxes: {'; '.join(self.relaxes)}; reason: {self.reason})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OverrideProblem:
    """An override that relaxes the shipped policy without saying so (or names the wrong id)."""

    key_path: tuple[str | int, ...]
    message: str
    fix: str


# --- what relaxes ---------------------------------------------------------------------------


def _covers_less(mine: list[str], shipped: list[str]) -> bool:
    if "*" in shipped:
        return "*" not in mine
    return "*" not in mine and not set(shipped) <= set(mine)


def export_relaxations(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    found = []
    if STRICTNESS.get(new.get("action", ""), 0) < STRICTNESS.get(old.get("action", ""), 0):
        found.append(f"action {old.get('action')} -> {new.get('action')}")
    for key in ("accelerators", "operator_hq", "countries"):
        if _covers_less(list(new.get(key) or []), list(old.get(key) or [])):
            found.append(f"{key} {sorted(old.get(key) or [])} -> {sorted(new.get(key) or [])}")
    added = set(new.get("except_countries") or []) - set(old.get("except_countries") or [])
    if added:
        found.append(f"except_countries +{sorted(added)}")
    return found


def jurisdiction_relaxations(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    found = []
    added = set(new.get("countries") or []) - set(old.get("countries") or [])
    if added:
        found.append(f"countries +{sorted(added)}")
    if new.get("replication_may_leave") and not old.get("replication_may_leave"):
        found.append("replication_may_leave false -> true")
    regimes = {r.get("id"): r for r in new.get("regimes") or [] if isinstance(r, dict)}
    for regime in old.get("regimes") or []:
        mine = regimes.get(regime.get("id"))
        if mine is None:
            found.append(f"regime {regime.get('id')} removed")
        elif _covers_less(list(mine.get("countries") or ["*"]), list(regime.get("countries") or ["*"])):
            found.append(f"regime {regime.get('id')} covers fewer countries")
    return found


def power_relaxations(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    found = []
    if new.get("headroom_pct") is not None and new["headroom_pct"] < old.get("headroom_pct", 0):
        found.append(f"headroom_pct {old.get('headroom_pct')} -> {new['headroom_pct']}")
    cap = new.get("air_cooling_max_kw_per_rack")
    if cap is not None and cap > old.get("air_cooling_max_kw_per_rack", cap):
        found.append(f"air_cooling_max_kw_per_rack {old.get('air_cooling_max_kw_per_rack')} -> {cap}")
    return found


# --- merging --------------------------------------------------------------------------------


@dataclass
class Merged:
    policy: dict[str, Any]
    overrides: list[PolicyOverride]
    problems: list[OverrideProblem]


def _record(
    merged: Merged, path: tuple[str | int, ...], section: str, ident: str, change: str, relaxes: list[str], entry: dict[str, Any]
) -> None:
    named, reason = entry.get("relaxes"), entry.get("reason")
    if relaxes and named != ident:
        what = "; ".join(relaxes)
        if named is None:
            merged.problems.append(
                OverrideProblem(
                    path,
                    f"{ident} relaxes the shipped policy ({what}) without saying so",
                    f"add `relaxes: {ident}` and `reason: <why, on whose advice>` to it, or remove it",
                )
            )
        else:
            merged.problems.append(
                OverrideProblem((*path, "relaxes"), f"names {named!r}, but this entry is {ident}", f"write relaxes: {ident}")
            )
    elif named is not None and named != ident:
        merged.problems.append(
            OverrideProblem((*path, "relaxes"), f"names {named!r}, but this entry is {ident}", f"write relaxes: {ident}")
        )
    merged.overrides.append(PolicyOverride(section, ident, change, relaxes, reason if relaxes or named else None))  # type: ignore[arg-type]


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("relaxes", "reason")}


def merge_overrides(base: dict[str, Any], override: PolicyOverrideSpec) -> Merged:
    """policy.local.yml (already validated on its own) over policy.yml's data: the merged data, every
    override recorded, and the relaxations that do not say so."""
    merged = Merged(copy.deepcopy(base), [], [])
    data = override.model_dump(mode="json", exclude_unset=True)
    policy = merged.policy

    for i, rule in enumerate(data.get("export_control", [])):
        rules = policy.setdefault("export_control", [])
        index = next((j for j, r in enumerate(rules) if isinstance(r, dict) and r.get("id") == rule["id"]), None)
        old = rules[index] if index is not None else None
        relax = export_relaxations(rule, old) if old else []
        _record(merged, ("export_control", i), "export_control", rule["id"], "replaced" if old else "added", relax, rule)
        if index is None:
            rules.append(_plain(rule))
        else:
            rules[index] = _plain(rule)

    for key, entry in data.get("jurisdictions", {}).items():
        table = policy.setdefault("jurisdictions", {})
        old = table.get(key)
        relax = jurisdiction_relaxations(entry, old) if isinstance(old, dict) else []
        _record(merged, ("jurisdictions", key), "jurisdictions", f"jurisdictions.{key}", "replaced" if old else "added", relax, entry)
        table[key] = _plain(entry)

    for cloud, entry in data.get("cloud_regions", {}).items():
        table = policy.setdefault("cloud_regions", {}).setdefault(cloud, {})
        relax = []
        for region, country in entry.get("regions", {}).items():
            if region not in table:
                relax.append(f"{region} added in {country}")
            elif table[region] != country:
                relax.append(f"{region} {table[region]} -> {country}")
        _record(merged, ("cloud_regions", cloud), "cloud_regions", f"cloud_regions.{cloud}", "replaced", relax, entry)
        table.update(entry.get("regions", {}))

    if "power" in data:
        entry, old = data["power"], policy.get("power") or {}
        _record(merged, ("power",), "power", "power", "replaced", power_relaxations(entry, old), entry)
        policy["power"] = {**old, **{k: v for k, v in _plain(entry).items() if v is not None}}

    if "operator" in data:
        entry, old = data["operator"], policy.get("operator") or {}
        hq = entry.get("headquarters")
        relax = [f"headquarters {old.get('headquarters')} -> {hq}"] if hq is not None and hq != old.get("headquarters") else []
        _record(merged, ("operator",), "operator", "operator", "replaced", relax, entry)
        policy["operator"] = {**old, **{k: v for k, v in _plain(entry).items() if v is not None}}

    if "drift" in data:
        entry, old = data["drift"], policy.get("drift") or {}
        shipped = [_key(r) for r in old.get("ignore", [])]
        added = [r for r in entry.get("ignore", []) if _key(r) not in shipped]
        relax = [f"ignores {r['type']} {r['property']}" for r in added]
        _record(merged, ("drift",), "drift", "drift", "replaced", relax, entry)
        policy["drift"] = {**old, **_plain(entry)}
    return merged


def _key(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (rule.get("type"), rule.get("property"), tuple(rule.get("regions") or ()))


def validate_override(data: Any) -> PolicyOverrideSpec:
    """policy.local.yml's data as its own model (raises pydantic's ValidationError)."""
    return PolicyOverrideSpec.model_validate(data)


__all__ = ["Merged", "PolicyOverride", "PolicyOverrideSpec", "ValidationError", "merge_overrides", "validate_override"]
