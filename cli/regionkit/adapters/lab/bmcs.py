"""The lab's BMCs: an emulated Redfish BMC per lab host (adapters/redfish/emulator.py), each on the
host's BMC address from the lab's manifest, added to the lab bridge (so on the lab's 198.18.0.0/16,
reachable from the machine and from every lab host, nowhere else). All of them run in one process
the lab starts (`python -m regionkit.adapters.lab.bmcs CONFIG`), whose command line names the lab's
state folder, so `lab down` ends it with the lab's other processes.

- Identity (serial, MAC, model, accelerators, firmware at the model's baseline, BIOS) comes from
  the manifest entry and its server model; the factory password from the file the lab's catalog
  names (0600), read by the process from its 0600 config, never from argv or the environment.
- Power: `ComputerSystem.Reset` stops (ForceOff, GracefulShutdown) or boots (On, ForceOn) the lab
  host, or both (ForceRestart, GracefulRestart, PowerCycle); graceful is forceful here (a lab host
  is killed, as a pulled plug). The PowerState the BMC reports follows the host.
- Faults: `faults.json` in the BMC folder (host -> fault kinds, written by `regionkit lab fault`)
  is watched; the process switches each BMC's faults to match and acknowledges in `faults.applied`.
- Certificates stay per address across `lab up` (under the BMC folder), so pins taken by an
  earlier handover still hold, as a real BMC keeps its certificate across reboots.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionkit.catalog import files
from regionkit.errors import BadInputError, RegionkitError
from regionkit.workspace import Workspace

if TYPE_CHECKING:
    from regionkit.adapters.redfish.emulator import BmcIdentity

POLL_S = 0.2
ACK_TIMEOUT_S = 10.0
STOPS = ("ForceOff", "GracefulShutdown")
STARTS = ("On", "ForceOn")
RESTARTS = ("ForceRestart", "GracefulRestart", "PowerCycle")


def folder(state_dir: Path) -> Path:
    return state_dir / "bmc"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def start(workspace: Workspace, state_dir: Path, bridge: str, identities: list[BmcIdentity]) -> dict[str, Any]:
    """Add the BMC addresses to the bridge and start the BMC process; returns what the state records
    (no secret: the passwords stay in the 0600 config)."""
    base = workspace.folder(*folder(state_dir).relative_to(workspace.root).parts)
    workspace.folder(*folder(state_dir).relative_to(workspace.root).parts, "certs")
    for ident in identities:
        subprocess.run(["ip", "addr", "add", f"{ident.address}/32", "dev", bridge], check=True, capture_output=True)
    config = base / "fleet.json"
    doc = {"catalog_root": str(workspace.catalog_root), "bmcs": [dataclasses.asdict(i) for i in identities]}
    workspace.write(config, json.dumps(doc))
    workspace.write(base / "faults.json", "{}")
    (base / "faults.applied").unlink(missing_ok=True)
    log = state_dir / "logs" / "bmcs.out"
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "regionkit.adapters.lab.bmcs", str(config)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    return {"pid": proc.pid, "hosts": {i.name: f"{i.address}:{i.port}" for i in identities}}


def wait_ready(recorded: dict[str, Any], deadline: float) -> bool:
    """Every BMC accepts connections before `deadline`."""
    for endpoint in recorded.get("hosts", {}).values():
        host, port = endpoint.rsplit(":", 1)
        while True:
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
    return True


def set_fault(workspace: Workspace, state_dir: Path, state: dict[str, Any], host: str, kind: str, on: bool) -> list[str]:
    """Switch one fault on one lab BMC (`kind` of the emulator's FAULTS; "all" with on=False clears
    the host's); returns the host's faults now, once the BMC process has applied them."""
    from regionkit.adapters.redfish.emulator import FAULTS

    hosts = state.get("bmcs", {}).get("hosts", {})
    if not hosts:
        raise BadInputError("the lab has no BMCs up; run `regionkit lab up` (the lab's manifest lists the hosts' BMCs)")
    if host not in hosts:
        raise BadInputError(f"no lab BMC for {host!r}; the lab's BMCs: {', '.join(sorted(hosts))}")
    if kind not in FAULTS and not (kind == "all" and not on):
        raise BadInputError(f"no fault {kind!r}; one of {', '.join(FAULTS)} (or `all --off`)")
    base = folder(state_dir)
    faults = _faults(base / "faults.json")
    now = set(faults.get(host, []))
    now = (now | {kind}) if on else set() if kind == "all" else (now - {kind})
    faults[host] = sorted(now)
    text = json.dumps(faults, sort_keys=True)
    workspace.write(base / "faults.json", text)
    deadline = time.monotonic() + ACK_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if files.read_text(base / "faults.applied", follow=False) == _digest(text):
                return faults[host]
        except files.FileProblem:  # not yet written (or being replaced)
            pass
        time.sleep(0.05)
    raise RegionkitError(f"the lab's BMC process did not apply the fault within {ACK_TIMEOUT_S:.0f} s; see {state_dir}/logs/bmcs.out")


# --- the BMC process ---------------------------------------------------------------------------


def _faults(path: Path) -> dict[str, list[str]]:
    """The faults the lab's BMCs should show (faults.json, written by set_fault); none when absent."""
    try:
        data = files.read_json(path, follow=False)
    except files.MissingFile:
        return {}
    return data if isinstance(data, dict) else {}


def serve(config: Path) -> None:
    """Run the lab's BMCs until killed: power actions drive the lab hosts, faults follow faults.json."""
    from regionkit.adapters.lab import hosts as lab_hosts
    from regionkit.adapters.redfish.emulator import BmcFleet, BmcIdentity, EmulatedBmc

    doc = files.read_json(config, follow=False)
    paths = lab_hosts.LabPaths(Workspace(Path(doc["catalog_root"])))
    base = config.parent
    busy: dict[str, threading.Lock] = {}

    def power(name: str, reset: str) -> None:
        with busy.setdefault(name, threading.Lock()):
            if reset in STOPS or reset in RESTARTS:
                lab_hosts.stop_host(paths, name)
            if reset in STARTS or reset in RESTARTS:
                lab_hosts.start_host(paths, name)
            print(f"{name}: {reset}", flush=True)

    bmcs = []
    for raw in doc["bmcs"]:
        raw["firmware"] = [tuple(f) for f in raw.get("firmware", [])]
        bmcs.append(EmulatedBmc(BmcIdentity(**raw), base / "certs", on_power=power, stable_cert=True))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = ""
    with BmcFleet(bmcs) as fleet:
        print(f"ready {len(bmcs)}", flush=True)
        while not stop.wait(POLL_S):
            try:
                text = files.read_text(base / "faults.json", follow=False)
            except files.FileProblem:  # none yet, or being replaced
                text = "{}"
            if text != seen:
                wanted: dict[str, list[str]] = json.loads(text or "{}")
                for name, bmc in fleet.bmcs.items():
                    for kind in set(wanted.get(name, [])) ^ bmc.faults:
                        fleet.set_fault(name, kind, kind not in bmc.faults)
                (base / "faults.applied").write_text(_digest(text), encoding="utf-8")
                seen = text
                print(f"faults: {text}", flush=True)
            running = lab_hosts.running_hosts(paths)
            for name, bmc in fleet.bmcs.items():  # the BMC reports the host's power as it is
                if name not in busy or not busy[name].locked():
                    bmc.identity.power_state = "On" if name in running else "Off"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m regionkit.adapters.lab.bmcs CONFIG.json")
    serve(Path(sys.argv[1]))
