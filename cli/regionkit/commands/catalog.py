"""`regionkit regions`, `regionkit validate` and `regionkit schema`."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.table import Table
from rich.text import Text

from regionkit import __version__
from regionkit.catalog.model import AcceleratorCatalog, PartnerCatalog, PolicySpec, RegionSpec, ServerModelCatalog
from regionkit.catalog.overrides import PolicyOverride
from regionkit.catalog.validate import VALIDATORS, ValidationReport, validate
from regionkit.commands._shared import OutputFormat, console, print_json, print_overrides, user_errors, work
from regionkit.content import docs_url
from regionkit.errors import EXIT_FAILED, EXIT_OK, BadInputError
from regionkit.planning.servers import summarize_region
from regionkit.reports.sarif import validation_sarif
from regionkit.services.stack import applied_regions


class ValidateFormat(enum.StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def regions(
    ctx: typer.Context,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """List every region: partners, pools, accelerators, power used/contracted, status, regimes, and
    (JSON `applied`) whether its stack has been created (its committed stack file holds the salt `up` writes)."""
    with work(ctx, fmt is OutputFormat.json) as s:
        catalog = s.catalog
        rows = [summarize_region(catalog, catalog.regions[k]) for k in sorted(catalog.regions)]
        applied = set(applied_regions(s))
    if fmt is OutputFormat.json:
        print_json([{**asdict(r), "applied": r.key in applied} for r in rows])
        return
    table = Table(title=f"regions ({len(rows)})", title_justify="left")
    for col in ("key", "metro", "partners", "pools", "accelerators", "power kW used/contracted", "status", "regimes"):
        table.add_column(col, no_wrap=col in ("key", "status"))
    colour = {"live": "green", "new": "cyan", "planned": "yellow"}
    for r in rows:
        table.add_row(
            r.key,
            r.metro,
            ", ".join(r.partners),
            f"{r.pools} ({r.servers} servers)",
            ", ".join(r.accelerators),
            f"{r.power_kw:g} / {r.contracted_kw:g}",
            Text(r.status, colour[r.status]),
            ", ".join(r.regimes) or "-",
        )
    console.print(table)


def validate_cmd(
    ctx: typer.Context,
    region_keys: Annotated[list[str] | None, typer.Argument(metavar="[REGION]...", help="Regions; all by default.")] = None,
    fmt: Annotated[
        ValidateFormat, typer.Option("--format", help="text, json, or sarif (GitHub code scanning).")
    ] = ValidateFormat.text,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip a validator by id (repeatable).")] = None,
) -> None:
    """Check the catalog: schema, address plan, power, export control, residency, runtimes.

    Exit 0 when clean (warnings allowed), 1 for findings at error level, 4 for malformed input.
    """
    with work(ctx, fmt is not ValidateFormat.text) as s:
        report = validate(s.catalog, region_keys or None, skip or ())
    overrides = s.catalog.policy_overrides
    if fmt is ValidateFormat.json:
        print_json({**report.to_dict(), "policy_overrides": [o.to_dict() for o in overrides]})
    elif fmt is ValidateFormat.sarif:
        print_json(validation_sarif(report.findings, VALIDATORS, __version__, docs_url()))
    else:
        print_report(report, overrides)
    raise typer.Exit(EXIT_FAILED if report.errors else EXIT_OK)


def print_report(report: ValidationReport, overrides: list[PolicyOverride]) -> None:
    print_overrides(overrides)
    for key in report.regions:
        found = [f for f in report.findings if f.region == key]
        active = [f for f in found if f.suppressed is None]
        if not active:
            note = f" ({len(found)} suppressed)" if found else ""
            console.print(Text.assemble(("✓", "green"), f" {key}{note}"))
            continue
        errs = sum(f.severity == "error" for f in active)
        console.print(Text.assemble(("✗", "red") if errs else ("!", "yellow"), f" {key}"))
        for f in active:
            tag = ("error  ", "red") if f.severity == "error" else ("warning", "yellow")
            console.print(Text.assemble("  ", tag, " ", (f.validator, "bold"), f" {f.one_line()}"))
    errors, warnings = len(report.errors), len(report.warnings)
    suppressed = len(report.findings) - len(report.active)
    summary = f"{len(report.regions)} regions: {errors} errors, {warnings} warnings, {suppressed} suppressed"
    console.print(Text(summary, "red" if errors else "green"))


_SCHEMAS: dict[str, type[BaseModel]] = {
    "region": RegionSpec,
    "accelerators": AcceleratorCatalog,
    "partners": PartnerCatalog,
    "policy": PolicySpec,
    "servers": ServerModelCatalog,
}


def schema(
    which: Annotated[str, typer.Argument(help="region, accelerators, partners, policy or servers.")] = "region",
) -> None:
    """Print the JSON Schema of a catalog file, for editors (yaml-language-server)."""
    with user_errors():
        model = _SCHEMAS.get(which)
        if model is None:
            raise BadInputError(f"schema {which!r}: no such file kind; use one of {', '.join(_SCHEMAS)}")
    console.print_json(json.dumps(model.model_json_schema()))


def validators_cmd(fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text) -> None:
    """List the validators: id, severity, what each checks."""
    if fmt is OutputFormat.json:
        print_json([{"id": v.id, "severity": v.severity, "checks": v.checks, "why": v.why} for v in VALIDATORS])
        return
    table = Table()
    for col in ("id", "severity", "checks"):
        table.add_column(col)
    for v in VALIDATORS:
        table.add_row(v.id, v.severity, v.checks)
    console.print(table)
