"""`regionkit mirror sync` and `regionkit bootstrap`: bring a region's nodes up from its mirror."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from regionkit.commands._region import inventory_vars, mirror_credentials
from regionkit.commands._shared import OutputFormat, console, err_console, state, user_errors
from regionkit.errors import BadInputError
from regionkit.planning.artifacts import region_artifacts
from regionkit.planning.lab import plan_lab
from regionkit.planning.servers import plan_pools

ROLES = ("node_baseline", "rdma", "accelerator_node", "collectives")
mirror_app = typer.Typer(help="The region's artifact mirror (S3-compatible).", no_args_is_help=True)


@mirror_app.command("sync")
def mirror_sync(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    source: Annotated[Path | None, typer.Option("--from", help="Folder with the vendor artifacts (any depth).")] = None,
) -> None:
    """Upload the artifacts the region's pools need, with a sha256 manifest; pin the sums in its inventory."""
    from regionkit.adapters.mirror.sync import sync, write_pins
    from regionkit.adapters.storage.s3 import MirrorEndpoint

    with user_errors():
        catalog = state(ctx).catalog()
        region = catalog.region(region_key)
        pools = list(plan_lab(catalog).pools) if region_key == "lab" else plan_pools(catalog, region)
        needed = region_artifacts(pools)
        if source is None:
            if region_key != "lab":
                raise BadInputError("mirror sync: --from DIR is required (the folder with the vendor artifacts)")
            from regionkit.adapters.lab.artifacts import build_all

            source = catalog.root / ".regionkit" / "lab" / "artifacts"
            build_all(needed, source)
            console.print(f"built {len(needed)} lab stand-in artifacts (not vendor software) in {catalog.rel(source)}")
        variables = inventory_vars(catalog, region_key)
        creds = mirror_credentials(catalog, region_key)
        endpoint = MirrorEndpoint(
            variables["regionkit_mirror_endpoint"],
            variables["regionkit_mirror_bucket"],
            creds.get("AWS_ACCESS_KEY_ID", ""),
            creds.get("AWS_SECRET_ACCESS_KEY", ""),
        )
        synced = sync(endpoint, needed, source)
        pins = catalog.inventories / region_key / "group_vars" / "all" / "artifacts.yml"
        write_pins(pins, synced, needed)
    for s in synced:
        console.print(f"  {s.key}  sha256 {s.sha256[:16]}…  {s.size} bytes")
    console.print(f"[green]mirror sync {region_key}[/]: {len(synced)} artifacts + manifest; pins in {catalog.rel(pins)}")


def _table(hosts: dict[str, Any]) -> Table:
    colour = {"ok": "green", "changed": "yellow", "failed": "red", "unreachable": "magenta", "…": "dim"}
    table = Table("host", *ROLES, title="bootstrap", title_justify="left")
    for host in sorted(hosts):
        roles = hosts[host].roles
        cells = []
        for role in ROLES:
            seen = [v for k, v in roles.items() if k == role or (role == "accelerator_node" and k not in ROLES and k != "play")]
            worst = max(seen, key=lambda v: ["ok", "changed", "failed", "unreachable"].index(v)) if seen else "…"
            cells.append(f"[{colour[worst]}]{worst}[/]")
        table.add_row(host, *cells)
    return table


def bootstrap(
    ctx: typer.Context,
    region_key: Annotated[str, typer.Argument(metavar="REGION")],
    limit: Annotated[str | None, typer.Option("--limit", help="Hosts or groups (Ansible pattern).")] = None,
    tags: Annotated[str | None, typer.Option("--tags", help="baseline, rdma, accelerator, collectives.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; report what would change.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Converge the region's nodes with playbooks/site.yml through ansible-runner.

    Exit 0 ok, 1 failed tasks, 3 unreachable hosts (from the runner's stats). Failing or
    unreachable hosts never stop the others; the summary says how to re-run them.
    """
    from regionkit.adapters.ansible.runner import HostResult, RunResult, run_playbook

    with user_errors():
        catalog = state(ctx).catalog()
        catalog.region(region_key)
        inventory = catalog.inventories / region_key / "hosts.yml"
        inventory_vars(catalog, region_key)
        env = mirror_credentials(catalog, region_key)
        seen: dict[str, HostResult] = {}
        playbook = catalog.root / "playbooks" / "site.yml"

        def run(on_event: Callable[[str, HostResult], None] | None = None) -> RunResult:
            return run_playbook(catalog.root, region_key, playbook, inventory, limit, tags, check, check, env, on_event)

        if fmt is OutputFormat.text:
            with Live(_table(seen), console=console, refresh_per_second=4, transient=False) as live:

                def update(host: str, result: HostResult) -> None:
                    seen[host] = result
                    live.update(_table(seen))

                result = run(update)
                live.update(_table(result.hosts))
        else:
            result = run()
    summary = {
        h: {"ok": r.ok, "changed": r.changed, "failed": r.failed, "unreachable": r.unreachable, "skipped": r.skipped}
        for h, r in sorted(result.hosts.items())
    }
    if fmt is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "region": region_key,
                    "check": check,
                    "exit_code": result.exit_code,
                    "finished": result.finished,
                    "wall_s": round(result.wall_s, 2),
                    "run_dir": str(result.run_dir),
                    "hosts": summary,
                },
                indent=2,
            )
        )
    else:
        total = {k: sum(v[k] for v in summary.values()) for k in ("ok", "changed", "failed", "unreachable")}
        counts = ", ".join(f"{k} {n}" for k, n in total.items())
        mode = " (check)" if check else ""
        console.print(
            f"bootstrap {region_key}{mode}: {len(summary)} hosts, {counts} in {result.wall_s:.1f} s; "
            f"artifacts {catalog.rel(result.run_dir)}"
        )
        if not result.finished:
            err_console.print("[red]the run stopped before the end of the play[/]; ansible-playbook's last words:")
        if result.output_tail:
            err_console.print(result.output_tail, markup=False)
        for what in ("unreachable", "failed"):
            bad = result.hosts_with(what)
            for host in bad:
                for msg in result.hosts[host].messages[-2:]:
                    err_console.print(f"  {host}: {msg}", markup=False)
            if bad:
                rerun = f"regionkit bootstrap {region_key} --limit {','.join(bad)}"
                err_console.print(f"[red]{what}:[/] {', '.join(bad)}; re-run: {rerun}")
    raise typer.Exit(result.exit_code)
