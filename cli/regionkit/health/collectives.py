"""Collective benchmarks: nccl-tests and rccl-tests (one format), their JSON output, and
Huawei's hccl_test.

nccl-tests lines may carry any launcher's prefix (``mpirun --tag-output``'s ``[1,0]<stdout>:``,
``srun -l``'s `` 0: ``, a host name, a Ray actor tag), so every line is read from the first
``#`` of a comment or the size and count of a result row, wherever they sit. Columns are named
by the run's own header row (``time algbw busbw #wrong`` twice, plus the bitwise and
per-iteration columns newer versions add); older headers say ``error`` for ``#wrong``.

A run proves something only when it measured a link: every rank alone (``nranks 1``, one
device per process, a run repeated once per process because the build has no MPI) or a bus
bandwidth of 0 measures nothing, and is ``unknown``. Wrong elements or out-of-bounds values are
data corruption: ``fail``. The reported bandwidth is the first section's ``# Avg bus bandwidth``
as printed; hccl_test prints only algorithm bandwidth, converted with the all-reduce factor
2(n-1)/n as Huawei's and NVIDIA's tools define bus bandwidth.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from regionkit.health.model import Action, Device, HealthReport
from regionkit.health.reading import clean, is_elided, json_number, to_float

VERSION = "1.0"

_FAILURE = re.compile(
    r"Test (?:NCCL |CUDA |HIP |RCCL )?failure.*|NCCL error.*|unhandled (?:cuda|system) error.*|"
    r"MPI_ABORT was invoked.*|mpirun noticed that process .*|(?:Primary job|prterun) .*terminated.*non-zero.*|"
    r"Segmentation fault.*|Invalid number of GPUs.*|"
    r"hccl interface return err.*|This is an error in init_hcclComm.*|retcode: \d+",
    re.I,
)
_OOB = re.compile(r"#\s*Out of bounds values\s*:\s*(\d+)\s*(OK|FAILED)?", re.I)
_AVG = re.compile(r"#\s*Avg bus bandwidth\s*:\s*([-0-9.eE+]+)\s*(OK|FAILED)?")
_START = re.compile(r"#\s*Collective test starting:\s*(\S+)")
_NTHREAD = re.compile(r"#\s*nThread\s+(\d+)\s+nGpus\s+(\d+)")
_RANK = re.compile(r"#\s*Rank\s+(\d+)\s+(?:Group\s+\d+\s+)?Pid\s+(\d+)\s+on\s+(\S+)\s+device\s+(\d+)")
_NRANKS = re.compile(r"\bnranks (\d+)\b", re.I)
_ROW = re.compile(r"(?:^|\s)(\d+)\s+(\d+)\s+([a-z][a-z0-9_]*)\s+(.*)$")
_HEADER = re.compile(r"#\s*size\s+count\s+type\b(.*)")


@dataclass
class Section:
    """One collective test (one binary's part of a log)."""

    test: str = ""
    headers: int = 0  # how many '# nThread' lines opened it (more than one: separate processes)
    ranks: list[tuple[str, str, str]] = field(default_factory=list)  # (rank, host, device)
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, float, float, float | None]] = field(default_factory=list)  # bytes, algbw, busbw, wrong
    avg: float | None = None
    avg_failed: bool = False
    oob: int | None = None
    elided_rows: bool = False


def _body(line: str) -> str:
    """The nccl-tests text of a line, whatever launcher prefix stands before it."""
    hash_at = line.find("#")
    if hash_at >= 0:
        return line[hash_at:]
    return line


def parse_nccl_tests(text: str) -> HealthReport:
    """nccl-tests / rccl-tests output (text or the ``-J`` JSON file)."""
    text = clean(text)
    if text.strip().startswith("{"):
        return parse_nccl_json(text.strip())
    report = HealthReport("nccl-tests", "nccl-tests / rccl-tests", VERSION, devices=None)
    sections: list[Section] = []
    nranks_seen: set[int] = set()

    def current() -> Section:
        if not sections:
            sections.append(Section())
        return sections[-1]

    for raw in text.splitlines():
        line = _body(raw)
        if m := _FAILURE.search(raw):
            report.fail("the collective test failed", Action.DRAIN, m.group(0))
            continue
        for n in _NRANKS.findall(raw):
            nranks_seen.add(int(n))
        if m := _START.search(line):
            if sections and (current().rows or current().avg is not None or current().test):
                sections.append(Section())
            current().test = m.group(1)
            continue
        if _NTHREAD.search(line):
            sec = current()
            if sec.rows or sec.avg is not None:
                sections.append(Section())
                sec = sections[-1]
            sec.headers += 1
            continue
        if m := _RANK.search(line):
            current().ranks.append((m.group(1), m.group(3), m.group(4)))
            continue
        if m := _HEADER.search(line):
            current().columns = ["size", "count", "type", *m.group(1).split()]
            continue
        if m := _OOB.search(line):
            current().oob = int(m.group(1))
            continue
        if m := _AVG.search(line):
            current().avg = to_float(m.group(1))
            current().avg_failed = (m.group(2) or "").upper() == "FAILED"
            continue
        if line.startswith("#"):
            continue
        if is_elided(_strip_label(raw)) and sections and current().columns and current().avg is None:
            current().elided_rows = True
            continue
        _row(current(), raw)
    first = next((s for s in sections if s.rows or s.avg is not None), None)
    if first is None:  # no result row: a run that failed before measuring, or no run at all
        ranked = next((s for s in sections if s.ranks), None)
        if ranked:
            report.devices = [Device(r, bus_id=f"{h}:{d}") for r, h, d in ranked.ranks]
        if not report.findings:
            report.unknown("no nccl-tests result table in the output")
        return report
    if first.ranks:
        report.devices = [Device(r, bus_id=f"{h}:{d}") for r, h, d in first.ranks]
    report.busbw_gbps = first.avg
    for section in sections:
        _judge(report, section)
    _measured_something(report, first, nranks_seen)
    return report


def _strip_label(line: str) -> str:
    return re.sub(r"^(?:\[\d+,\d+\]<\w+>:|\s*\d+:)", "", line)


def _row(section: Section, raw: str) -> None:
    m = _ROW.search(raw)
    if not m:
        return
    tokens = [m.group(1), m.group(2), m.group(3), *m.group(4).split()]
    cols = section.columns
    if cols and len(tokens) == len(cols):
        algbw = [i for i, c in enumerate(cols) if c == "algbw"]
        busbw = [i for i, c in enumerate(cols) if c == "busbw"]
        wrong = [i for i, c in enumerate(cols) if c in ("#wrong", "error", "wrong")]
    else:  # no header seen (an excerpt) or a foreign column: the last eight are the two halves
        if len(tokens) < 11:
            return
        n = len(tokens)
        algbw, busbw, wrong = [n - 7, n - 3], [n - 6, n - 2], [n - 5, n - 1]
    if not algbw or not busbw:
        return
    a, b = to_float(tokens[algbw[0]]), to_float(tokens[busbw[0]])
    if a is None or b is None:
        return
    errors = [to_float(tokens[i]) for i in wrong if tokens[i] not in ("N/A", "n/a")]
    validated = bool(errors) and all(e is not None for e in errors)
    section.rows.append((int(m.group(1)), a, b, sum(e or 0 for e in errors) if validated else None))


def _judge(report: HealthReport, section: Section) -> None:
    name = section.test or "collective test"
    wrong = [r for r in section.rows if r[3]]
    if wrong:
        report.fail(
            f"{name}: wrong results (data corruption on a link or a device)",
            Action.DRAIN,
            f"{sum(r[3] or 0 for r in wrong):g} wrong elements at {wrong[0][0]} bytes",
        )
    if section.oob:
        report.fail(f"{name}: out-of-bounds values", Action.DRAIN, f"# Out of bounds values : {section.oob} FAILED")
    if section.avg_failed:
        report.fail(
            f"{name}: average bus bandwidth under the run's own check", Action.DRAIN, f"# Avg bus bandwidth : {section.avg} FAILED"
        )
    if section.elided_rows:
        report.unknown(f"{name}: result rows elided ('...'): the hidden rows may hold errors")
    if section.rows and section.avg is None and section is not None:
        report.unknown(f"{name}: no '# Avg bus bandwidth' line: truncated run")
    if section.rows and all(r[3] is None for r in section.rows):
        report.warn(f"{name}: results were not validated (#wrong N/A: run with -c 1)", Action.RERUN, "#wrong N/A")


def _measured_something(report: HealthReport, first: Section, nranks_seen: set[int]) -> None:
    ranks = [r for r, _, _ in first.ranks]
    if first.headers > 1 or len(ranks) != len(set(ranks)):
        report.unknown(
            "the ranks ran as separate jobs (the header repeats or a rank number appears twice): "
            "the build has no MPI support or the launcher did not connect them",
            f"{first.headers} headers, ranks {' '.join(ranks)}",
        )
        report.devices = None  # several jobs' rank lists: no one run's rank count
    elif len(ranks) == 1 or nranks_seen == {1}:
        report.unknown("every rank ran alone (nranks 1): no link was measured", "1 rank")
    else:
        places = [(h, d) for _, h, d in first.ranks]
        if len(places) != len(set(places)):
            report.warn(
                "ranks share a device: the run measured no device-to-device link", Action.RERUN, "one device per rank expected"
            )
    if (first.rows and all(r[2] == 0 for r in first.rows)) or first.avg == 0:
        report.unknown("bus bandwidth 0 everywhere: the run measured nothing", f"# Avg bus bandwidth : {first.avg}")


def parse_nccl_json(text: str) -> HealthReport:
    """The ``-J`` JSON file of nccl-tests 2.17+: config.devices, results[], out_of_bounds,
    average_bus_bandwidth (key names as nccl-tests' own writer emits them)."""
    report = HealthReport("nccl-tests", "nccl-tests JSON", VERSION, devices=None)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a cut document, or nesting deeper than the stack
        report.unknown(f"not a whole JSON document (the run may have been cut): {exc}")
        return report
    if not isinstance(data, dict) or "results" not in data:
        report.unknown("no results list in the JSON")
        return report
    section = Section(test=_experiment(data))
    config: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
    for d in config.get("devices", []) or []:
        if isinstance(d, dict):
            section.ranks.append((str(d.get("rank")), str(d.get("hostname")), str(d.get("device"))))
    section.headers = 1
    for row in data.get("results") or []:
        if not isinstance(row, dict):
            continue
        half = row.get("out_of_place") or row.get("in_place") or {}
        inplace = row.get("in_place") or {}
        if not isinstance(half, dict):
            continue
        wrongs = [json_number(h.get("nwrong")) for h in (half, inplace) if isinstance(h, dict) and h]
        wrong = None if any(w is None for w in wrongs) else float(sum(w for w in wrongs if w is not None))
        size, alg, bus = json_number(row.get("size", 0)), json_number(half.get("alg_bw", 0)), json_number(half.get("bus_bw", 0))
        if size is None or alg is None or bus is None:
            report.unknown(f"a result row whose size or bandwidth is not a number: {json.dumps(row)[:200]}")
            continue
        section.rows.append((int(size), alg, bus, wrong))
    oob = data.get("out_of_bounds")
    count = json_number(oob.get("count", 0)) if isinstance(oob, dict) else None
    section.oob = int(count) if count is not None else None
    avg = data.get("average_bus_bandwidth")
    if isinstance(avg, dict):
        section.avg = json_number(avg.get("bandwidth", 0))
        section.avg_failed = avg.get("okay") is False
    for error in data.get("errors") or []:
        report.fail("the collective test reported an error", Action.DRAIN, str(error))
    if section.ranks:
        report.devices = [Device(r, bus_id=f"{h}:{d}") for r, h, d in section.ranks]
    report.busbw_gbps = section.avg
    if not section.rows and not report.findings:
        report.unknown("the JSON has no result row")
    _judge(report, section)
    _measured_something(report, section, set())
    return report


def _experiment(data: dict[str, Any]) -> str:
    for row in data.get("results") or []:
        if isinstance(row, dict) and row.get("experiment_name"):
            return str(row["experiment_name"])
    return "collective test"


# --- hccl_test ---------------------------------------------------------------------------------


def busbw_allreduce(algbw_gbps: float, ranks: int) -> float:
    """All-reduce bus bandwidth as nccl-tests defines it: algbw x 2(n-1)/n."""
    return algbw_gbps * 2 * (ranks - 1) / ranks


def parse_hccl_test(text: str, ranks: int) -> HealthReport:
    """hccl_test's table (``data_size | avg_time | alg_bandwidth | check_result``)."""
    report = HealthReport("hccl-test", "hccl_test", VERSION, devices=None)
    text = clean(text)
    busbw: list[float] = []
    header = False
    for line in text.splitlines():
        if m := _FAILURE.search(line):
            report.fail("hccl_test failed", Action.DRAIN, m.group(0))
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 4 and cells[0].lower().startswith("data_size"):
            header = True
            continue
        if len(cells) < 4 or not cells[0].isdigit():
            continue
        algbw = to_float(cells[2])
        if algbw is None:
            continue
        check = cells[3].lower()
        if check not in ("success", "n/a", "none", ""):
            report.fail("hccl_test: wrong results", Action.DRAIN, line)
        busbw.append(busbw_allreduce(algbw, ranks))
    if busbw:
        report.busbw_gbps = round(sum(busbw) / len(busbw), 6)
        report.info(f"busbw derived from alg_bandwidth x 2(n-1)/n with n={ranks} (all-reduce), averaged over sizes")
        if ranks < 2 or all(b == 0 for b in busbw):
            report.unknown("one rank or zero bandwidth: no link was measured", f"ranks {ranks}")
        if not header:
            report.unknown("no data_size header row: an excerpt")
    elif not report.findings:
        report.unknown("no hccl_test result row")
    return report
