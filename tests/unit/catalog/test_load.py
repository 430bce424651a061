"""Loading the catalog: the shipped one loads, and every kind of bad input is one located line."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionkit.catalog.load import MAX_FILE_BYTES, find_root, load_catalog
from regionkit.catalog.validate import validate
from regionkit.errors import BadInputError, CatalogError

from ...conftest import REPO, TODAY, key_paths

SHIPPED = [
    "ae-dxb-1",
    "br-sao-1",
    "de-fra-1",
    "fr-par-1",
    "gb-lon-1",
    "jp-tyo-1",
    "kr-sel-1",
    "lab",
    "mx-qro-1",
    "my-kul-1",
    "nl-ams-1",
]


def test_catalog_loads_every_shipped_region() -> None:
    catalog = load_catalog(REPO)
    assert sorted(catalog.regions) == SHIPPED


def test_catalog_every_entry_has_source_and_confidence() -> None:
    catalog = load_catalog(REPO)
    for acc in catalog.accelerators.accelerators.values():
        assert acc.source and acc.confidence
    for partner in catalog.partners.partners.values():
        for fac in partner.facilities.values():
            assert fac.source and fac.confidence
    for rule in catalog.policy.export_control:
        assert rule.source and rule.since


def test_find_root_walks_up_from_a_subfolder(catalog_root: Path) -> None:
    sub = catalog_root / "inventories" / "lab"
    assert find_root(start=sub) == catalog_root


def test_find_root_honours_env(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONKIT_ROOT", str(catalog_root))
    assert find_root(start=Path("/")) == catalog_root


def test_find_root_without_inventories_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="--root"):
        find_root(tmp_path)


def _load_error(root: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    assert all("\n" not in p for p in info.value.problems)
    return "\n".join(info.value.problems)


def _write(root: Path, rel: str, content: str | bytes) -> None:
    path = root / "inventories" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "inventories" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("malformed", r"inventories/nl-ams-1/region.yml:\d+: malformed YAML"),
        ("wrong-type", r"region.yml:\d+: zones\[0\].contracted_kw: .*got 'lots'"),
        ("unknown-key", r"region.yml:\d+: pools\[0\].gpu_count: Extra inputs are not permitted"),
        ("bad-cidr", r"zones\[0\].network.management: .*got '10.11.0.1/22'.*no host bits"),
        ("missing-key", r"region.yml:\d+: residency: Field required. Fix: add it"),
        ("missing-file", r"inventories/partners.yml: file is missing"),
        ("duplicate-key", r"region.yml:\d+: malformed YAML: duplicate key 'status'"),
        ("key-folder", r"region.yml:\d+: key: 'nl-ams-2' differs from its folder 'nl-ams-1'"),
        ("duplicate-region", r"duplicate region key 'nl-ams-1'"),
        ("huge", r"region.yml: file is \d+ bytes, over the"),
        ("non-utf8", r"region.yml:\d+: byte 0xff is not UTF-8"),
        ("empty", r"region.yml: file is empty"),
        ("comments-only", r"region.yml: file is empty"),
        ("top-level-list", r"region.yml:1: the top level is a list"),
        ("no-region-file", r"inventories/xx-yyy-1/: no region.yml"),
        ("norway", r"quote the value"),
        ("bad-key", r"key: String should match pattern"),
    ],
)
def test_load_bad_input_is_one_located_line(catalog_root: Path, case: str, expect: str) -> None:
    r = "nl-ams-1/region.yml"
    match case:
        case "malformed":
            _replace(catalog_root, r, "status: new", "status: [new")
        case "wrong-type":
            _replace(catalog_root, r, "contracted_kw: 400", "contracted_kw: lots")
        case "unknown-key":
            _replace(catalog_root, r, "    servers: 16\n", "    servers: 16\n    gpu_count: 8\n")
        case "bad-cidr":
            _replace(catalog_root, r, "management: 10.11.0.0/22", "management: 10.11.0.1/22")
        case "missing-key":
            _replace(catalog_root, r, "residency:", "residence:")
        case "missing-file":
            (catalog_root / "inventories" / "partners.yml").unlink()
        case "duplicate-key":
            _replace(catalog_root, r, "status: new", "status: new\nstatus: live")
        case "key-folder":
            _replace(catalog_root, r, "key: nl-ams-1", "key: nl-ams-2")
        case "duplicate-region":
            text = (catalog_root / "inventories" / r).read_text()
            _write(catalog_root, "nl-ams-9/region.yml", text)
        case "huge":
            _write(catalog_root, r, "# x\n" * (MAX_FILE_BYTES // 4 + 10))
        case "non-utf8":
            _write(catalog_root, r, b"key: nl-ams-1\nname: \xff\n")
        case "empty":
            _write(catalog_root, r, "")
        case "comments-only":
            _write(catalog_root, r, "# nothing yet\n\n")
        case "top-level-list":
            _write(catalog_root, r, "- key: nl-ams-1\n")
        case "no-region-file":
            (catalog_root / "inventories" / "xx-yyy-1").mkdir()
        case "norway":
            _replace(catalog_root, "policy.yml", '"NO"', "NO")
        case "bad-key":
            _replace(catalog_root, r, "key: nl-ams-1", "key: Amsterdam")
    assert re.search(expect, _load_error(catalog_root))


def test_load_reports_every_problem_at_once(catalog_root: Path) -> None:
    _replace(catalog_root, "nl-ams-1/region.yml", "contracted_kw: 400", "contracted_kw: lots")
    _replace(catalog_root, "fr-par-1/region.yml", "status: new", "status: soon")
    text = _load_error(catalog_root)
    assert "nl-ams-1/region.yml" in text and "fr-par-1/region.yml" in text


def test_policy_local_overrides_rules_by_id(catalog_root: Path) -> None:
    _write(
        catalog_root,
        "policy.local.yml",
        "export_control:\n  - id: us-h20-licence\n    accelerators: [H20]\n    operator_hq: ['*']\n"
        "    countries: ['*']\n    action: allow\n    since: 2026-01-01\n    source: our counsel\n"
        "    relaxes: us-h20-licence\n    reason: licence BIS-2026-0001 covers every H20 we buy\n"
        "power:\n  headroom_pct: 5\n  relaxes: power\n  reason: the partner guarantees 20% spare feed\n",
    )
    catalog = load_catalog(catalog_root)
    rule = next(r for r in catalog.policy.export_control if r.id == "us-h20-licence")
    assert rule.action == "allow" and rule.source == "our counsel"
    assert catalog.policy.power.headroom_pct == 5
    assert catalog.policy.power.air_cooling_max_kw_per_rack == 30  # untouched keys stay


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


_BASE = yaml.safe_load((REPO / "inventories" / "nl-ams-1" / "region.yml").read_text())
_ALL_PATHS = key_paths(_BASE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(_ALL_PATHS), value=_scalars)
def test_load_survives_any_single_value_change(catalog_root: Path, path: tuple[object, ...], value: object) -> None:
    """Any value anywhere either loads or gives located lines; never another exception."""
    import copy

    data = copy.deepcopy(_BASE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    target = catalog_root / "inventories" / "nl-ams-1" / "region.yml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    os.utime(target)
    try:
        catalog = load_catalog(catalog_root)
    except CatalogError as exc:
        assert exc.problems and all(p.startswith("inventories/") for p in exc.problems)
        return
    report = validate(catalog, today=TODAY)  # whatever loads, every validator copes with
    assert all(f.file and f.path for f in report.findings)
