"""Values the catalog refuses wherever they appear: inf and nan in any number, booleans for counts
(and counts for booleans), numbers written as text, terminal control characters and template
markers in any string, keys included. Each is one located line against the file it is in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from regionkit.catalog.load import load_catalog
from regionkit.errors import CatalogError

from ...conftest import Edit

Setter = Callable[[dict[str, Any], Any], None]


def _at(*path: str | int) -> Setter:
    def put(data: dict[str, Any], value: Any) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return put


def _first_accelerator(field: str) -> Setter:
    def put(data: dict[str, Any], value: Any) -> None:
        next(iter(data["accelerators"].values()))[field] = value

    return put


def _first_facility(field: str) -> Setter:
    def put(data: dict[str, Any], value: Any) -> None:
        partner = next(iter(data["partners"].values()))
        next(iter(partner["facilities"].values()))[field] = value

    return put


def _problems(catalog_root: Path) -> str:
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_root)
    assert all("\n" not in p for p in info.value.problems)
    return "\n".join(info.value.problems)


# Every float the catalog holds, in each of its files.
FLOATS = [
    ("nl-ams-1", _at("zones", 0, "contracted_kw"), r"nl-ams-1/region.yml:\d+: zones\[0\].contracted_kw"),
    ("nl-ams-1", _at("pools", 0, "busbw_floor_gbps"), r"pools\[0\].busbw_floor_gbps"),
    ("accelerators.yml", _first_accelerator("server_power_kw"), r"accelerators.yml:\d+: accelerators\.\S+\.server_power_kw"),
    ("accelerators.yml", _first_accelerator("tpp"), r"accelerators.yml:\d+: accelerators\.\S+\.tpp"),
    ("partners.yml", _first_facility("max_kw_per_rack"), r"partners.yml:\d+: partners\.\S+max_kw_per_rack"),
    ("policy.yml", _at("power", "headroom_pct"), r"policy.yml:\d+: power.headroom_pct"),
]


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize(("file", "put", "where"), FLOATS, ids=[f[2][:40] for f in FLOATS])
def test_no_float_is_infinite_or_nan(catalog_root: Path, edit: Edit, file: str, put: Setter, where: str, value: float) -> None:
    edit(file, lambda d: put(d, value))
    problems = _problems(catalog_root)
    assert re.search(where + r": Input should be a finite number", problems), problems
    assert "Fix: write a finite number" in problems


COUNTS = [
    ("nl-ams-1", _at("pools", 0, "servers"), r"pools\[0\].servers"),
    ("nl-ams-1", _at("pools", 0, "servers_per_rack"), r"pools\[0\].servers_per_rack"),
    ("accelerators.yml", _first_accelerator("memory_gb"), r"accelerators\.\S+\.memory_gb"),
    ("accelerators.yml", _first_accelerator("accelerators_per_server"), r"accelerators_per_server"),
    ("nl-ams-1", _at("zones", 0, "contracted_kw"), r"zones\[0\].contracted_kw"),
]


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
@pytest.mark.parametrize(("file", "put", "where"), COUNTS, ids=[c[2][:30] for c in COUNTS])
def test_a_boolean_is_never_a_count(catalog_root: Path, edit: Edit, file: str, put: Setter, where: str, value: bool) -> None:
    edit(file, lambda d: put(d, value))
    problems = _problems(catalog_root)
    assert re.search(where + r": Input should be a valid (integer|number)", problems), problems
    assert "true and false are not counts" in problems


def test_a_number_written_as_text_is_refused(catalog_root: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d["pools"][0].update(servers="8"))
    assert "write the number without quotes" in _problems(catalog_root)


def test_a_count_is_never_a_boolean(catalog_root: Path, edit: Edit) -> None:
    edit("partners.yml", lambda d: _first_facility("liquid_cooling")(d, 1))
    assert re.search(r"liquid_cooling: Input should be a valid boolean.*Fix: write true or false", _problems(catalog_root))


# --- text ------------------------------------------------------------------------------------

# Where free text lives: names, free-text references, sources, reasons, notes, and keys.
TEXT_FIELDS = [
    ("nl-ams-1", _at("name"), "name"),
    ("nl-ams-1", _at("metro"), "metro"),
    ("nl-ams-1", _at("pools", 0, "licence_ref"), r"pools[0].licence_ref"),
    ("nl-ams-1", _at("suppress"), "suppress[0].reason"),
    ("accelerators.yml", _first_accelerator("source"), "accelerators.H20.source"),
    ("partners.yml", _at("partners", "equinix", "name"), "partners.equinix.name"),
    ("policy.yml", _at("operator", "name"), "operator.name"),
    ("servers.yml", _at("models", "supermicro-sys-821ge-tnhr", "source"), "models.supermicro-sys-821ge-tnhr.source"),
]

HOSTILE_TEXT = {
    "esc-clear-screen": "Ams\x1b[2J\x1b[Hterdam",
    "osc-title": "Ams\x1b]0;owned\x07terdam",
    "c1-csi": "Ams\x9b31mterdam",
    "bidi-override": "Amsterdam\u202e1-gma",
    "bidi-isolate": "Ams\u2066terdam\u2069",
    "zero-width": "Ams\u200bterdam",
    "nul": "Ams\x00terdam",
    "backspace": "Amsterdam\x08\x08\x08",
    "carriage-return": "fine\rEVIL",
    "line-break": "H20\nerror: a forged line",
    "tab": "Ams\tterdam",
    "line-separator": "Ams\u2028terdam",
    "jinja-expression": "{{ lookup('pipe', 'touch /tmp/regionkit-pwned') }}",
    "jinja-statement": "{% for x in range(9) %}x{% endfor %}",
    "jinja-comment": "{# hidden #}",
}


def _put_text(put: Setter, where: str, text: str) -> Callable[[dict[str, Any]], None]:
    if where.startswith("suppress"):
        return lambda d: put(d, [{"validator": "runtime.eol", "reason": text + " (long enough)"}])
    return lambda d: put(d, text)


@pytest.mark.parametrize("text", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
@pytest.mark.parametrize(("file", "put", "where"), TEXT_FIELDS, ids=[t[2] for t in TEXT_FIELDS])
def test_free_text_refuses_control_characters_and_templates(
    catalog_root: Path, edit: Edit, file: str, put: Setter, where: str, text: str
) -> None:
    edit(file, _put_text(put, where, text))
    problems = _problems(catalog_root)
    assert f": {where}: contains the " in problems, problems
    assert "Fix: write plain text" in problems


def test_a_key_with_a_control_character_is_refused(catalog_root: Path, edit: Edit) -> None:
    def rename(d: dict[str, Any]) -> None:
        d["accelerators"]["H20\x1b[8m"] = d["accelerators"].pop("H20")

    edit("accelerators.yml", rename)
    assert "contains the control character U+001B" in _problems(catalog_root)


@pytest.mark.parametrize("text", ["[/x] stray closing tag", "SKU [a-z]{2} pattern", "[bold red]loud[/]", ":thumbs_up:", "50% {of} #1"])
def test_text_that_only_looks_like_markup_is_data(catalog_root: Path, edit: Edit, text: str) -> None:
    edit("nl-ams-1", lambda d: d.update(metro=text))
    assert load_catalog(catalog_root).region("nl-ams-1").metro == text
