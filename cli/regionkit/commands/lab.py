"""`regionkit lab up|down|status`: local hosts that stand in for a partner's handover."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from regionkit.adapters.lab import hosts as lab
from regionkit.catalog.load import Catalog
from regionkit.commands._shared import console, state, user_errors
from regionkit.errors import EXIT_FAILED, EXIT_UNREACHABLE
from regionkit.planning.inventory import render_inventory
from regionkit.planning.lab import LabPlan, plan_lab
from regionkit.planning.outputs import pool_output

app = typer.Typer(help="Local lab hosts (network namespaces + systemd + sshd) for the `lab` region.", no_args_is_help=True)


def paths_for(catalog: Catalog) -> lab.LabPaths:
    return lab.LabPaths(catalog.root / ".regionkit" / "lab")


def write_inventory(catalog: Catalog, plan: LabPlan, paths: lab.LabPaths, s3: dict[str, str]) -> str:
    """inventories/lab/hosts.yml (+ group_vars): groups per zone and pool, SSH with pinned host keys."""
    outputs = {
        "region": plan.region,
        "dns_zone": {"name": "lab.internal"},
        "mirror": {"endpoint": plan.s3_endpoint, "bucket": s3["bucket"]},
        "pools": [pool_output(p).model_dump() for p in plan.pools],
    }
    connection: dict[str, Any] = {
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(paths.key),
        # Strict host key checking against the keys pinned at `lab up`.
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={paths.known_hosts} -o StrictHostKeyChecking=yes",
        "ansible_python_interpreter": "/usr/bin/python3",
        "regionkit_lab": True,
        "regionkit_apt_mirror": plan.apt_proxy,
        # Lab hosts share the machine's clock and kernel settings: they must not change them.
        "node_baseline_time_sync_enabled": False,
        "node_baseline_sysctl_apply": False,
        # apt-cacher-ng: simultaneous first fetches of an index can collide and hang a client.
        "node_baseline_apt_update_throttle": 1,
    }
    files = render_inventory(catalog.root / "templates", outputs, "`regionkit lab up`", connection)
    folder = catalog.inventories / "lab"
    for rel, text in files.items():
        yaml.safe_load(text)
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return catalog.rel(folder / "hosts.yml")


@app.command("up")
def up(
    ctx: typer.Context,
    nodes: Annotated[int | None, typer.Option("--nodes", help="Number of hosts (default: as declared, 2 zones x 2).")] = None,
) -> None:
    """Build the lab hosts, the mirror (apt proxy + S3) and inventories/lab/hosts.yml. Needs root."""
    with user_errors():
        catalog = state(ctx).catalog()
        plan = plan_lab(catalog, nodes)
        paths = paths_for(catalog)
        started = time.monotonic()
        with console.status("lab up") as status:
            result = lab.lab_up(plan, paths, lambda msg: status.update(f"lab up: {msg}"))
        inventory = write_inventory(catalog, plan, paths, result["s3"])
    if result.get("image_built_s"):
        console.print(f"base image built in {result['image_built_s']} s (cached for next time)")
    console.print(
        f"[green]lab up[/]: {len(plan.hosts)} hosts in {time.monotonic() - started:.1f} s; "
        f"mirror {plan.apt_proxy} (apt) and {plan.s3_endpoint} (S3); inventory {inventory}"
    )


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Remove every namespace, link, mount, process and server the lab made. Idempotent. Needs root."""
    with user_errors():
        catalog = state(ctx).catalog()
        started = time.monotonic()
        removed = lab.lab_down(paths_for(catalog), plan_lab(catalog))
        for rel in ("hosts.yml",):
            (catalog.inventories / "lab" / rel).unlink(missing_ok=True)
    parts = ", ".join(f"{n} {k}" for k, n in removed.items() if n)
    console.print(f"[green]lab down[/] in {time.monotonic() - started:.1f} s: {parts or 'nothing was up'}")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Hosts, addresses, sshd reachability and mirror health. Exit 3 when hosts are unreachable."""
    with user_errors():
        catalog = state(ctx).catalog()
        st = lab.lab_status(paths_for(catalog))
    if not st.hosts:
        console.print("lab is down")
        raise typer.Exit(EXIT_FAILED)
    table = Table("host", "address", "pool", "running", "sshd", title="lab hosts", title_justify="left")
    for h in st.hosts:
        table.add_row(h.name, h.address, h.pool, "yes" if h.running else "[red]no[/]", "ok" if h.ssh else "[red]down[/]")
    console.print(table)
    console.print(
        f"apt proxy {st.endpoint['apt_proxy']}: {'ok' if st.apt_proxy else '[red]down[/]'}; "
        f"S3 {st.endpoint['s3']}: {'ok' if st.s3 else '[red]down[/]'}"
    )
    if not all(h.ssh for h in st.hosts) or not (st.apt_proxy and st.s3):
        raise typer.Exit(EXIT_UNREACHABLE)
