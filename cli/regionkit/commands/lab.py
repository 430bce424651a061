"""`regionkit lab up|down|status`: local hosts that stand in for a partner's handover."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from regionkit.commands._shared import console, say, work
from regionkit.errors import EXIT_FAILED, EXIT_UNREACHABLE
from regionkit.services import lab as service

app = typer.Typer(help="Local lab hosts (network namespaces + systemd + sshd) for the `lab` region.", no_args_is_help=True)


@app.command("up")
def up(
    ctx: typer.Context,
    nodes: Annotated[int | None, typer.Option("--nodes", help="Number of hosts (default: as declared, 2 zones x 2).")] = None,
) -> None:
    """Build the lab hosts, the mirror (apt proxy + S3) and inventories/lab/hosts.yml. Needs root."""
    with work(ctx) as s:
        result = service.lab_up(s, nodes)
    if result.image_built_s:
        say(f"base image built in {result.image_built_s} s (cached for next time)")
    plan = result.plan
    console.print(
        Text.assemble(
            ("lab up", "green"),
            f": {len(plan.hosts)} hosts in {result.up_s:.1f} s; mirror {plan.apt_proxy} (apt) and {plan.s3_endpoint} (S3); "
            f"inventory {s.catalog.rel(result.inventory)}",
        )
    )


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Remove every namespace, link, mount, process and server the lab made. Idempotent. Needs root."""
    started = time.monotonic()
    with work(ctx) as s:
        removed = service.lab_down(s)
    parts = ", ".join(f"{n} {k}" for k, n in removed.items() if n)
    console.print(Text.assemble(("lab down", "green"), f" in {time.monotonic() - started:.1f} s: {parts or 'nothing was up'}"))


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Hosts, addresses, sshd reachability and mirror health. Exit 3 when hosts are unreachable."""
    with work(ctx) as s:
        st, region = service.lab_status(s)
    if not st.hosts:
        console.print("lab is down")
        raise typer.Exit(EXIT_FAILED)
    title = "lab hosts" if region in (None, "lab") else f"lab hosts standing in for {region}"
    table = Table("host", "address", "pool", "running", "sshd", title=title, title_justify="left")
    for h in st.hosts:
        table.add_row(h.name, h.address, h.pool, "yes" if h.running else Text("no", "red"), "ok" if h.ssh else Text("down", "red"))
    console.print(table)
    state = {True: "ok", False: "down"}
    say(f"apt proxy {st.endpoint['apt_proxy']}: {state[st.apt_proxy]}; S3 {st.endpoint['s3']}: {state[st.s3]}")
    if not all(h.ssh for h in st.hosts) or not (st.apt_proxy and st.s3):
        raise typer.Exit(EXIT_UNREACHABLE)
