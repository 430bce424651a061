"""`regionkit bootstrap`: converge a region's nodes with playbooks/site.yml through ansible-runner."""

from __future__ import annotations

from typing import Annotated

import typer

from regionkit.adapters.ansible.playbook import site_roles
from regionkit.commands._shared import OutputFormat, RichProgress, print_json, say, work
from regionkit.services.bootstrap import bootstrap as run_bootstrap


def bootstrap(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    limit: Annotated[str | None, typer.Option("--limit", help="Hosts or groups (Ansible pattern).")] = None,
    tags: Annotated[str | None, typer.Option("--tags", help="baseline, registration, rdma, accelerator, collectives.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; report what would change.")] = False,
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="The stack's state backend URL, where AWS node activations are read from (as for `up`)."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Converge the region's nodes with playbooks/site.yml through ansible-runner.

    Exit 0 ok, 1 failed tasks, 3 unreachable hosts (from the runner's stats). Failing or
    unreachable hosts never stop the others; the summary says how to re-run them.
    """
    with work(ctx, fmt is OutputFormat.json) as s:
        if fmt is OutputFormat.text and isinstance(s.progress, RichProgress):
            roles = site_roles(s.content.site_playbook)
            with s.progress.live_table(roles.listed, roles.column):
                result = run_bootstrap(s, region_key, limit, tags, check, backend)
        else:
            result = run_bootstrap(s, region_key, limit, tags, check, backend)
    summary = {
        h: {"ok": r.ok, "changed": r.changed, "failed": r.failed, "unreachable": r.unreachable, "skipped": r.skipped}
        for h, r in sorted(result.hosts.items())
    }
    if fmt is OutputFormat.json:
        doc = {"region": region_key, "check": check, "exit_code": result.exit_code, "finished": result.finished,
               "wall_s": round(result.wall_s, 2), "run_dir": str(result.run_dir), "hosts": summary,
               "held_back": result.held_back, "registration": result.registration}  # fmt: skip
        print_json(doc)
        raise typer.Exit(result.exit_code)
    total = {k: sum(v[k] for v in summary.values()) for k in ("ok", "changed", "failed", "unreachable")}
    counts = ", ".join(f"{k} {n}" for k, n in total.items())
    mode = " (check)" if check else ""
    run_dir = s.catalog.rel(result.run_dir)
    say(f"bootstrap {region_key}{mode}: {len(summary)} hosts, {counts} in {result.wall_s:.1f} s; artifacts {run_dir}")
    for note in result.registration:
        say(f"node registration: {note}")
    for host, why in sorted(result.held_back.items()):
        say(f"held back at handover, not bootstrapped: {host}: {why}", "yellow", err=True)
    if not result.finished:
        say("the run stopped before the end of the play; ansible-playbook's last words:", "red", err=True)
    if result.output_tail:
        say(result.output_tail, err=True)
    for what in ("unreachable", "failed"):
        bad = result.hosts_with(what)
        for host in bad:
            for msg in result.hosts[host].messages[-2:]:
                say(f"  {host}: {msg}", err=True)
        if bad:
            say(f"{what}: {', '.join(bad)}; re-run: regionkit bootstrap {region_key} --limit {','.join(bad)}", "red", err=True)
    raise typer.Exit(result.exit_code)
