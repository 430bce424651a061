"""`regionkit lab up|down|status`: local hosts that stand in for a partner's handover."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from regionkit.commands._shared import OutputFormat, console, print_json, say, work
from regionkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from regionkit.services import lab as service

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]
app = typer.Typer(
    help="Local lab hosts (network namespaces + systemd + sshd) for the `lab` region, or standing in for any region's pools.",
    no_args_is_help=True,
)


@app.command("up")
def up(
    ctx: typer.Context,
    nodes: Annotated[int | None, typer.Option("--nodes", help="Number of hosts (default: as declared, 2 zones x 2).")] = None,
    region: Annotated[
        str,
        typer.Option("--region", metavar="REGION", help="Stand in for the pools of this region (lab addresses)."),
    ] = "lab",
    per_pool: Annotated[int | None, typer.Option("--per-pool", help="Stand-ins per pool of --region (default 1).")] = None,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Build the lab hosts, the mirror (apt proxy + S3) and their inventory. Needs root. With --region R,
    the hosts stand in for R's pools; `regionkit deploy R` then runs R's chain on them."""
    with work(ctx, fmt is OutputFormat.json) as s:
        result = service.lab_up(s, nodes, region, per_pool)
    plan = result.plan
    if fmt is OutputFormat.json:
        hosts = {h.name: {"address": str(h.address), "pool": h.pool} for h in plan.hosts}
        mirror = {"apt_proxy": plan.apt_proxy, "s3": plan.s3_endpoint}
        doc = {"region": plan.region, "stands_in": plan.stands_in, "hosts": hosts, "mirror": mirror}
        print_json({**doc, "inventory": str(result.inventory), "up_s": result.up_s, "bmcs": result.bmcs})
        return
    if result.image_built_s:
        say(f"base image built in {result.image_built_s} s (cached for next time)")
    standing = f" standing in for {plan.region}" if plan.stands_in else ""
    console.print(
        Text.assemble(
            ("lab up", "green"),
            f": {len(plan.hosts)} hosts{standing} and {result.bmcs} BMCs in {result.up_s:.1f} s; mirror {plan.apt_proxy} (apt) and "
            f"{plan.s3_endpoint} (S3); "
            f"inventory {s.catalog.rel(result.inventory)}",
        )
    )
    if plan.stands_in:
        say(f"next: regionkit deploy {plan.region}")


@app.command("down")
def down(ctx: typer.Context, fmt: FormatOpt = OutputFormat.text) -> None:
    """Remove every namespace, link, mount, process and server the lab made. Idempotent. Needs root."""
    started = time.monotonic()
    with work(ctx, fmt is OutputFormat.json) as s:
        removed = service.lab_down(s)
    if fmt is OutputFormat.json:
        print_json({"removed": removed, "seconds": round(time.monotonic() - started, 1)})
        return
    parts = ", ".join(f"{n} {k}" for k, n in removed.items() if n)
    console.print(Text.assemble(("lab down", "green"), f" in {time.monotonic() - started:.1f} s: {parts or 'nothing was up'}"))


@app.command("status")
def status(ctx: typer.Context, fmt: FormatOpt = OutputFormat.text) -> None:
    """Hosts, addresses, sshd reachability and mirror health. Exit 3 when hosts are unreachable."""
    with work(ctx, fmt is OutputFormat.json) as s:
        st, region = service.lab_status(s)
    healthy = all(h.ssh for h in st.hosts) and st.apt_proxy and st.s3
    if fmt is OutputFormat.json:
        hosts = [
            {
                "name": h.name,
                "address": h.address,
                "pool": h.pool,
                "running": h.running,
                "ssh": h.ssh,
                "bmc": h.bmc,
                "bmc_ok": h.bmc_ok,
            }
            for h in st.hosts
        ]
        print_json(
            {
                "up": bool(st.hosts),
                "stands_for": region,
                "hosts": hosts,
                "mirror": {**st.endpoint, "apt_ok": st.apt_proxy, "s3_ok": st.s3},
            }
        )
        raise typer.Exit(EXIT_FAILED if not st.hosts else EXIT_OK if healthy else EXIT_UNREACHABLE)
    if not st.hosts:
        console.print("lab is down")
        raise typer.Exit(EXIT_FAILED)
    title = "lab hosts" if region in (None, "lab") else f"lab hosts standing in for {region}"
    table = Table("host", "address", "pool", "running", "sshd", "BMC", title=title, title_justify="left")
    for h in st.hosts:
        bmc = Text(h.bmc or "-", "" if h.bmc_ok or not h.bmc else "red")
        table.add_row(
            h.name, h.address, h.pool, "yes" if h.running else Text("no", "red"), "ok" if h.ssh else Text("down", "red"), bmc
        )
    console.print(table)
    state = {True: "ok", False: "down"}
    say(f"apt proxy {st.endpoint['apt_proxy']}: {state[st.apt_proxy]}; S3 {st.endpoint['s3']}: {state[st.s3]}")
    if not healthy:
        raise typer.Exit(EXIT_UNREACHABLE)


@app.command("fault")
def fault(
    ctx: typer.Context,
    host: Annotated[str, typer.Argument(help="A lab host (its BMC gets the fault).")],
    kind: Annotated[
        str,
        typer.Argument(
            help="unreachable, busy, auth, tls, serial, mac, model, accelerators, firmware, bios, power, health; "
            "`all --off` clears the host's faults."
        ),
    ],
    off: Annotated[bool, typer.Option("--off", help="Switch the fault off again.")] = False,
) -> None:
    """Make a lab host's BMC fail handover one way (a changed serial, old firmware, a new certificate...)."""
    with work(ctx) as s:
        now = service.lab_fault(s, host, kind, not off)
    say(f"{host}'s BMC: {', '.join(now) if now else 'no fault'}")
