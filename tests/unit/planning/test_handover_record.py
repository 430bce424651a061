"""What a handover leaves for later use cases (planning/handover.py): the record merged across
runs, the servers held back from it (never handed over, rejected, or accepted against a manifest
entry that changed since), and the report's shape (one table per rack, the JSON contract)."""

from __future__ import annotations

import datetime as dt

from regionkit.catalog.load import load_catalog
from regionkit.catalog.model import BmcCredentialsSpec, SecretRefSpec
from regionkit.planning.handover import (
    HandoverReport,
    HandoverResult,
    Reason,
    held_back,
    manifest_digest,
    merge_record,
)

from ...conftest import REPO

ENTRIES = {e.hostname: e for e in load_catalog(REPO).regions["gb-lon-1"].pools[0].handover}
NAMES = sorted(ENTRIES)
AT = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
SERIAL = Reason("serial", "chassis serial is 'X', the manifest says 'Y'", "have the partner check")


def result(name: str, *reasons: Reason) -> HandoverResult:
    e = ENTRIES[name]
    verdict = "rejected" if reasons else "accepted"
    return HandoverResult(name, str(e.bmc_address), verdict, reasons, AT, e.rack, e.u, e.model, e.serial)


DIGESTS = {n: manifest_digest(e) for n, e in ENTRIES.items()}


def test_nothing_handed_over_holds_back_every_listed_server() -> None:
    held = held_back(None, ENTRIES, "gb-lon-1")
    assert sorted(held) == NAMES and all("not handed over yet" in why for why in held.values())


def test_rejected_servers_are_held_back_with_their_first_reason() -> None:
    record = merge_record(None, "gb-lon-1", [result(NAMES[0]), result(NAMES[1], SERIAL, SERIAL)], DIGESTS, "run1")
    held = held_back(record, {n: ENTRIES[n] for n in NAMES[:2]}, "gb-lon-1")
    assert list(held) == [NAMES[1]]
    assert held[NAMES[1]].startswith("rejected at handover 2026-12-06T12:00:00+00:00: chassis serial") and "1 more" in held[NAMES[1]]


def test_a_later_run_replaces_only_what_it_read() -> None:
    first = merge_record(None, "gb-lon-1", [result(n) for n in NAMES], DIGESTS, "run1")
    second = merge_record(first, "gb-lon-1", [result(NAMES[2], SERIAL)], DIGESTS, "run2")
    assert {n: s["verdict"] for n, s in second["servers"].items()} == {
        NAMES[0]: "accepted",
        NAMES[1]: "accepted",
        NAMES[2]: "rejected",
        NAMES[3]: "accepted",
    }
    assert second["servers"][NAMES[0]]["run"] == "run1" and second["servers"][NAMES[2]]["run"] == "run2"
    assert merge_record(second, "other-1", [], DIGESTS, "run3")["servers"] == {}  # another region's record is not kept


def test_an_acceptance_lapses_when_the_entry_changes_but_not_its_credentials_source() -> None:
    record = merge_record(None, "gb-lon-1", [result(n) for n in NAMES], DIGESTS, "run1")
    moved = {**ENTRIES, NAMES[0]: ENTRIES[NAMES[0]].model_copy(update={"serial": "SN-OTHER"})}
    assert list(held_back(record, moved, "gb-lon-1")) == [NAMES[0]]
    creds = BmcCredentialsSpec(username="ADMIN", password=SecretRefSpec(env="OTHER_PASSWORD"))
    renamed = {**ENTRIES, NAMES[0]: ENTRIES[NAMES[0]].model_copy(update={"credentials": creds})}
    assert held_back(record, renamed, "gb-lon-1") == {}


def test_the_report_has_one_table_per_rack_and_one_json_entry_per_server() -> None:
    results = tuple(result(n, *([SERIAL] if n == NAMES[3] else [])) for n in NAMES)
    report = HandoverReport(
        "gb-lon-1", "sheet HO-1", AT, "0.1.0", "every listed server", results,
        zone_of=dict.fromkeys(NAMES, "gb-lon-1a"), site_of={"gb-lon-1a": "Equinix, LD8"},
    )  # fmt: skip
    racks = report.racks()
    assert [(z, rack, [r.u for r in rs]) for z, rack, rs in racks] == [
        ("gb-lon-1a", "LD8-R01", [28, 20]),  # top of the rack first
        ("gb-lon-1a", "LD8-R02", [28, 20]),
    ]
    doc = report.to_dict()
    assert (doc["exit_code"], doc["verdict"], doc["totals"]) == (1, "rejected", {"accepted": 3, "rejected": 1, "unlisted": 0})
    assert doc["servers"][3]["reasons"] == [{"kind": "serial", "message": SERIAL.message, "fix": SERIAL.fix}]
    assert [set(s) >= {"server", "verdict", "reasons"} for s in doc["servers"]] == [True] * 4
