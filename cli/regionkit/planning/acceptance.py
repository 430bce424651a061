"""Acceptance: what verify decides from its checks. Bandwidth floors, and the report of one
verify run (verdict, totals per pool, the collective figures). Pure; reports/ renders it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from regionkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from regionkit.planning.results import CheckResult

# Where a pool has no hardware floor, verify derives one from the link throughput measured as a
# ring (iperf3, every host sending to the next at once, as the ring all-reduce does; the median
# flow). A single flow between two idle hosts is the wrong baseline where hosts share CPUs or
# uplinks (the lab's hosts share the controller's cores). 25% flags a collective on the wrong
# interface or a slow link without failing on noise; `regionkit verify lab` prints the measured
# ratio of every run (the lab tests print it when the check fails).
LINK_EFFICIENCY_FLOOR = 0.25


@dataclass(frozen=True)
class CollectiveAcceptance:
    sizes: list[int]
    busbw_gbps: list[float]
    link_gbps: float | None  # GB/s per flow, measured as a ring
    floor_gbps: float
    floor_source: str

    @property
    def peak_gbps(self) -> float:
        return max(self.busbw_gbps, default=0.0)

    @property
    def passed(self) -> bool:
        return self.peak_gbps >= self.floor_gbps

    @property
    def link_ratio(self) -> float | None:
        return self.peak_gbps / self.link_gbps if self.link_gbps else None


def floor_for(pool_floor_gbps: float | None, link_gbps: float | None) -> tuple[float, str]:
    """The pool's catalog floor, else a share of the measured link."""
    if pool_floor_gbps is not None:
        return pool_floor_gbps, "catalog floor for the pool"
    if link_gbps is None:
        raise ValueError("no floor in the catalog and no link measurement to derive one from")
    return link_gbps * LINK_EFFICIENCY_FLOOR, f"{LINK_EFFICIENCY_FLOOR:.0%} of the measured link throughput"


def size_label(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


NO_DEVICES_BY_DESIGN = "no devices by design"


@dataclass
class PoolTotals:
    name: str
    hosts: list[str]
    passed: int = 0
    failed: int = 0
    not_verified: int = 0
    devices: str = ""  # "checked", "not checked: no devices by design", or "" (no device check ran)


@dataclass
class VerifyReport:
    """One verify run over a region's hosts."""

    region: str
    level: int
    when: str  # UTC, for people
    version: str
    checks: list[CheckResult]
    pool_of: dict[str, str]  # host -> pool group
    wall_s: float = 0.0
    collective: CollectiveAcceptance | None = None
    collective_hosts: list[str] = field(default_factory=list)
    link_flows_gbps: list[float] = field(default_factory=list)
    report: str = ""  # where the Markdown report was written
    held_back: dict[str, str] = field(default_factory=dict)  # host -> why handover held it back (not verified)

    @property
    def totals(self) -> Counter[str]:
        return Counter(c.outcome for c in self.checks)

    @property
    def exit_code(self) -> int:
        totals = self.totals
        return EXIT_UNREACHABLE if totals["unreachable"] else EXIT_FAILED if totals["failed"] else EXIT_OK

    @property
    def devices_not_checked(self) -> list[str]:
        """The pools whose devices were not checked because their hosts have none by design."""
        return sorted({self.pool_of.get(c.host, "(all hosts)") for c in self.checks if c.by_design})

    @property
    def verdict(self) -> str:
        """The headline: PASSED, FAILED or UNREACHABLE HOSTS, never a bare PASSED where a pool's
        devices were not checked."""
        word = {EXIT_UNREACHABLE: "UNREACHABLE HOSTS", EXIT_FAILED: "FAILED", EXIT_OK: "PASSED"}[self.exit_code]
        return f"{word} (devices not checked: {NO_DEVICES_BY_DESIGN})" if self.devices_not_checked else word

    def actions(self) -> list[dict[str, Any]]:
        """What to do, per check that failed or warned with a recommended action, heaviest first."""
        return [
            {"host": c.host or "(all hosts)", "check": c.name, "outcome": c.outcome, "verdict": c.verdict,
             "actions": list(c.actions), "detail": c.detail}
            for c in self.checks
            if c.actions and (c.outcome != "passed" or c.notes)
        ]  # fmt: skip

    def pools(self) -> list[PoolTotals]:
        found: dict[str, PoolTotals] = {}
        for host, pool in sorted(self.pool_of.items()):
            found.setdefault(pool, PoolTotals(pool, [])).hosts.append(host)
        for c in self.checks:
            pool = self.pool_of.get(c.host, "(all hosts)")
            row = found.setdefault(pool, PoolTotals(pool, []))
            if c.outcome == "passed":
                row.passed += 1
            elif c.outcome == "not verified":
                row.not_verified += 1
            else:
                row.failed += 1
            if c.by_design:
                row.devices = f"not checked: {NO_DEVICES_BY_DESIGN}"
            elif c.level == 2 and c.verdict and not row.devices:
                row.devices = "checked"
        return [found[k] for k in sorted(found)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (and what the Markdown and HTML templates read)."""
        totals = self.totals
        hosts: dict[str, list[dict[str, Any]]] = {}
        for c in self.checks:
            hosts.setdefault(c.host or "(all hosts)", []).append(asdict(c))
        collective = None
        if self.collective:
            acc = self.collective
            collective = {
                "hosts": self.collective_hosts,
                "world": len(self.collective_hosts),
                "sizes": acc.sizes,
                "busbw_gbps": acc.busbw_gbps,
                "link_gbps": acc.link_gbps,
                "link_flows_gbps": self.link_flows_gbps,
                "floor_gbps": acc.floor_gbps,
                "floor_source": acc.floor_source,
                "rows": [(size_label(s), b) for s, b in zip(acc.sizes, acc.busbw_gbps, strict=True)],
                "peak": acc.peak_gbps,
                "ratio": acc.link_ratio or 0.0,
                "passed": acc.passed,
            }
        return {
            "region": self.region,
            "level": self.level,
            "when": self.when,
            "version": self.version,
            "host_count": len(self.pool_of),
            "verdict": self.verdict,
            "wall_s": round(self.wall_s, 1),
            "totals": {
                "passed": totals["passed"],
                "failed": totals["failed"] + totals["unreachable"],
                "not_verified": totals["not verified"],
                "unreachable": totals["unreachable"],
            },
            "pools": [asdict(p) for p in self.pools()],
            "devices_not_checked": self.devices_not_checked,
            "actions": self.actions(),
            "hosts": [{"name": h, "pool": self.pool_of.get(h, "-"), "checks": cs} for h, cs in sorted(hosts.items())],
            "collective": collective,
            "held_back": dict(sorted(self.held_back.items())),
            "report": self.report,
            "exit_code": self.exit_code,
        }
