"""policy.local.yml, visible and bounded: every rule and section it replaces is recorded (and shown
by validate and plan); a change that relaxes the shipped policy is refused unless it says
`relaxes: <id>` with a `reason:`; its own errors are reported against policy.local.yml."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from regionkit.catalog.load import load_catalog
from regionkit.catalog.validate import validate
from regionkit.commands.app import app
from regionkit.errors import CatalogError

from ...conftest import REPO, TODAY

REASON = "counsel's opinion OPS-2026-17, signed 2026-11-02"


def _local(root: Path, data: dict) -> None:  # type: ignore[type-arg]
    (root / "inventories" / "policy.local.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _shipped(root: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((root / "inventories" / "policy.yml").read_text(encoding="utf-8"))


def _rule(root: Path, rule_id: str) -> dict:  # type: ignore[type-arg]
    rule = next(r for r in _shipped(root)["export_control"] if r["id"] == rule_id)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rule.items()}


def _refused(root: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    text = "\n".join(info.value.problems)
    assert all(p.startswith("inventories/policy.local.yml") for p in info.value.problems), text
    return text


def _jurisdiction(root: Path, key: str) -> dict:  # type: ignore[type-arg]
    return _shipped(root)["jurisdictions"][key]


# Each kind of relaxation: (what policy.local.yml says, the id it must name, what the report says)
def _allow(rule_id: str):  # type: ignore[no-untyped-def]
    return lambda r: {"export_control": [{**_rule(r, rule_id), "action": "allow"}]}


RELAXATIONS = {
    "deny->allow": (_allow("us-3a090-advanced"), "us-3a090-advanced", "action deny -> allow"),
    "licence->allow": (_allow("us-h20-licence"), "us-h20-licence", "action licence -> allow"),
    "risk->allow": (_allow("bis-ascend-guidance"), "bis-ascend-guidance", "action risk -> allow"),
    "deny-covers-less": (
        lambda r: {"export_control": [{**_rule(r, "us-3a090-advanced"), "accelerators": ["B200"]}]},
        "us-3a090-advanced",
        "accelerators",
    ),
    "deny-more-exceptions": (
        lambda r: {"export_control": [{**_rule(r, "us-3a090-advanced"), "except_countries": ["DE"]}]},
        "us-3a090-advanced",
        "except_countries +['DE']",
    ),
    "deny-fewer-hq": (
        lambda r: {"export_control": [{**_rule(r, "us-3a090-advanced"), "operator_hq": ["RU"]}]},
        "us-3a090-advanced",
        "operator_hq",
    ),
    "wider-jurisdiction": (
        lambda r: {"jurisdictions": {"EU": {**_jurisdiction(r, "EU"), "countries": [*_jurisdiction(r, "EU")["countries"], "US"]}}},
        "jurisdictions.EU",
        "countries +['US']",
    ),
    "replication-may-leave": (
        lambda r: {"jurisdictions": {"GB": {**_jurisdiction(r, "GB"), "replication_may_leave": True}}},
        "jurisdictions.GB",
        "replication_may_leave false -> true",
    ),
    "fewer-regimes": (
        lambda r: {"jurisdictions": {"GB": {**_jurisdiction(r, "GB"), "regimes": _jurisdiction(r, "GB")["regimes"][:1]}}},
        "jurisdictions.GB",
        "regime uk-cni removed",
    ),
    "cloud-region-moved": (lambda r: {"cloud_regions": {"aws": {"us-east-1": "DE"}}}, "cloud_regions.aws", "us-east-1"),
    "less-headroom": (lambda r: {"power": {"headroom_pct": 5}}, "power", "headroom_pct 15"),
    "hotter-air-racks": (lambda r: {"power": {"air_cooling_max_kw_per_rack": 60}}, "power", "air_cooling_max_kw_per_rack 30"),
    "other-headquarters": (lambda r: {"operator": {"headquarters": "US"}}, "operator", "headquarters CN -> US"),
    "drift-ignored": (
        lambda r: {"drift": {"ignore": [{"type": "aws:*", "property": "*", "reason": "too noisy for us"}]}},
        "drift",
        "ignores aws:* *",
    ),
}


def _entry(data: dict, ident: str) -> dict:  # type: ignore[type-arg]
    """The entry of `data` whose id is `ident` (where relaxes: and reason: go)."""
    if "export_control" in data:
        return data["export_control"][0]
    section, _, key = ident.partition(".")
    return data[section][key] if key else data[section]


@pytest.mark.parametrize("kind", list(RELAXATIONS))
def test_a_relaxation_that_does_not_say_so_is_refused(catalog_root: Path, kind: str) -> None:
    make, ident, _ = RELAXATIONS[kind]
    _local(catalog_root, make(catalog_root))
    text = _refused(catalog_root)
    assert re.search(rf"policy.local.yml:\d+: .*{re.escape(ident)} relaxes the shipped policy", text), text
    assert f"add `relaxes: {ident}` and `reason:" in text


@pytest.mark.parametrize("kind", list(RELAXATIONS))
def test_a_relaxation_that_says_so_is_applied_and_recorded(catalog_root: Path, kind: str) -> None:
    make, ident, what = RELAXATIONS[kind]
    data = make(catalog_root)
    _entry(data, ident).update(relaxes=ident, reason=REASON)
    _local(catalog_root, data)
    catalog = load_catalog(catalog_root)
    found = [o for o in catalog.policy_overrides if o.id == ident]
    assert found and found[0].relaxes and found[0].reason == REASON
    assert what in "; ".join(found[0].relaxes)
    assert found[0].line is not None


def test_relaxes_must_name_the_entry_it_relaxes(catalog_root: Path) -> None:
    rule = {**_rule(catalog_root, "us-h20-licence"), "action": "allow", "relaxes": "l20-below-threshold", "reason": REASON}
    _local(catalog_root, {"export_control": [rule]})
    assert "names 'l20-below-threshold', but this entry is us-h20-licence" in _refused(catalog_root)


def test_relaxes_without_a_reason_is_refused(catalog_root: Path) -> None:
    _local(catalog_root, {"power": {"headroom_pct": 5, "relaxes": "power"}})
    assert re.search(r"policy.local.yml:\d+: power: Value error, relaxes: needs a reason", _refused(catalog_root))


def test_tightening_needs_no_reason_and_is_still_shown(catalog_root: Path) -> None:
    stricter = {**_rule(catalog_root, "l20-below-threshold"), "action": "licence"}
    _local(catalog_root, {"export_control": [stricter], "power": {"headroom_pct": 20}})
    catalog = load_catalog(catalog_root)
    assert {(o.id, o.change, tuple(o.relaxes)) for o in catalog.policy_overrides} == {
        ("l20-below-threshold", "replaced", ()),
        ("power", "replaced", ()),
    }
    assert next(r for r in catalog.policy.export_control if r.id == "l20-below-threshold").action == "licence"


def test_a_new_rule_is_recorded_as_added(catalog_root: Path) -> None:
    rule = {**_rule(catalog_root, "l20-below-threshold"), "id": "our-own-rule", "action": "deny"}
    _local(catalog_root, {"export_control": [rule]})
    assert [(o.id, o.change) for o in load_catalog(catalog_root).policy_overrides] == [("our-own-rule", "added")]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"export_control": [{"id": "x1", "action": "maybe"}]}, r"policy.local.yml:\d+: export_control\[0\]\.action"),
        ({"power": {"headroom_pct": float("inf"), "relaxes": "power", "reason": REASON}}, r"policy.local.yml:\d+: power.headroom_pct"),
        ({"jurisdictions": {"EU": {"countries": ["Germany"]}}}, r"policy.local.yml:\d+: jurisdictions.EU.countries\[0\]"),
        ({"cloud_regions": {"aws": {"us-east-1": "United States"}}}, r"policy.local.yml:\d+: cloud_regions.aws.regions.us-east-1"),
        ({"typo_section": {}}, r"policy.local.yml:\d+: typo_section: Extra inputs"),
        ({"operator": {"name": "{{ lookup('pipe', 'id') }}"}}, r"policy.local.yml:\d+: operator.name: contains the template marker"),
    ],
    ids=["action", "inf", "country", "cloud-country", "unknown-section", "template"],
)
def test_its_own_errors_are_reported_against_it(catalog_root: Path, data: dict, says: str) -> None:  # type: ignore[type-arg]
    _local(catalog_root, data)
    text = _refused(catalog_root)
    assert re.search(says, text), text
    assert "inventories/policy.yml" not in text


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("power: &p {headroom_pct: 20}\noperator: *p\n", "anchor (&p) is not allowed"),
        ("power: !!python/object/apply:os.system ['id']\n", "the tag !!python/object/apply:os.system is not allowed"),
        ("- a list\n", "the top level is a list"),
        ("a: " + "[" * 300 + "]" * 300 + "\n", "nests more than 64"),
    ],
    ids=["alias", "tag", "list", "deep"],
)
def test_hostile_files_are_refused_against_it(catalog_root: Path, content: str, says: str) -> None:
    (catalog_root / "inventories" / "policy.local.yml").write_text(content, encoding="utf-8")
    assert says in _refused(catalog_root)


def _invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _relaxed_licence(root: Path) -> None:
    _local(
        root,
        {
            "export_control": [{**_rule(root, "us-h20-licence"), "action": "allow", "relaxes": "us-h20-licence", "reason": REASON}],
            "jurisdictions": {"LAB": _jurisdiction(root, "LAB")},
        },
    )


def test_validate_names_every_override_in_text_and_json(catalog_root: Path) -> None:
    _relaxed_licence(catalog_root)
    code, out, _ = _invoke(catalog_root, "validate", "nl-ams-1")
    assert code == 0
    assert f"policy.local.yml replaced us-h20-licence (relaxes: action licence -> allow; reason: {REASON})" in out
    assert "policy.local.yml replaced jurisdictions.LAB" in out
    code, out, _ = _invoke(catalog_root, "validate", "nl-ams-1", "--format", "json")
    overrides = json.loads(out)["policy_overrides"]
    assert {o["id"]: (o["change"], o["reason"]) for o in overrides} == {
        "us-h20-licence": ("replaced", REASON),
        "jurisdictions.LAB": ("replaced", None),
    }


def test_plan_names_every_override_in_text_and_json(catalog_root: Path) -> None:
    _relaxed_licence(catalog_root)
    code, out, _ = _invoke(catalog_root, "plan", "nl-ams-1", "--format", "json")
    assert code == 0, out
    assert [o["id"] for o in json.loads(out)["policy_overrides"]] == ["us-h20-licence", "jurisdictions.LAB"]
    code, out, _ = _invoke(catalog_root, "plan", "nl-ams-1")
    assert code == 0
    assert f"relaxes: action licence -> allow; reason: {REASON}" in out


def test_without_a_local_policy_nothing_is_overridden(catalog_root: Path) -> None:
    catalog = load_catalog(catalog_root)
    assert catalog.policy_overrides == []
    assert validate(catalog, ["nl-ams-1"], today=TODAY).errors == []


def test_the_readmes_example_is_accepted_and_shown(catalog_root: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("**`policy.local.yml`**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (catalog_root / "inventories" / "policy.local.yml").write_text(example, encoding="utf-8")
    (override,) = load_catalog(catalog_root).policy_overrides
    assert override.id == "us-h20-licence" and override.relaxes == ["action licence -> allow"] and override.reason
