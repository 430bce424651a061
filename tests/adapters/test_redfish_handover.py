"""End to end on loopback: emulated BMCs (real Redfish over TLS) + the Redfish adapter + the
decision. Every rejection kind comes from the emulator's fault switch, never from a hand-made
reading; each BMC listens on its own 127.x address, nothing leaves this machine."""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
import urllib3

from regionkit.adapters.redfish.emulator import (
    FAULTS,
    BmcFleet,
    EmulatedBmc,
    free_port,
    identity_from_manifest,
    loopback_addresses,
    private_cert_dir,
)
from regionkit.adapters.redfish.fleet import FleetOptions, read_fleet, sweep
from regionkit.adapters.redfish.pins import PinStore
from regionkit.adapters.redfish.reader import BmcTarget, read_bmc
from regionkit.adapters.redfish.secrets import Credentials, Secret
from regionkit.catalog.load import load_catalog
from regionkit.catalog.model import HandoverSpec, ServerModelSpec
from regionkit.planning.handover import BmcReading, decide, unlisted

from ..conftest import REPO

FACTORY = "factory-Canary-7f3a9c"  # a canary: it must appear nowhere but where it is needed
SITE = "site-Canary-b81e44d2"
FAST = {"timeout_s": 2.0, "attempts": 2, "backoff_s": 0.01}


@pytest.fixture(scope="module")
def manifest() -> tuple[list[HandoverSpec], ServerModelSpec]:
    catalog = load_catalog(REPO)
    entries = catalog.regions["gb-lon-1"].pools[0].handover
    return entries, catalog.servers.models[entries[0].model]


@pytest.fixture
def cert_dir() -> Iterator[Path]:
    d = private_cert_dir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _base() -> str:
    return f"127.{random.randint(100, 250)}.{random.randint(0, 250)}.0"


def _bmcs(manifest, cert_dir: Path, n: int = 1, password: str = FACTORY) -> list[EmulatedBmc]:  # type: ignore[no-untyped-def]
    entries, model = manifest
    addresses = loopback_addresses(n, _base())
    port = free_port(addresses[0])
    return [
        EmulatedBmc(
            identity_from_manifest(
                e, model, username="ADMIN", password=password, port=port, address=a, accelerator_model="NVIDIA H20"
            ),
            cert_dir,
        )
        for e, a in zip(entries[:n], addresses, strict=True)
    ]


def _target(bmc: EmulatedBmc, site: str | None = None, auth: str = "session") -> BmcTarget:
    ident = bmc.identity
    return BmcTarget(
        ident.name, ident.address, ident.port, Credentials("ADMIN", Secret(FACTORY)), Secret(site) if site else None, auth
    )


def _read(bmc: EmulatedBmc, pins: PinStore, **kw) -> BmcReading:  # type: ignore[no-untyped-def]
    return read_bmc(_target(bmc, kw.pop("site", None), kw.pop("auth", "session")), pins, **FAST, **kw)


def test_handover_accepts_a_server_as_declared(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    pins = PinStore(tmp_path / "pins")
    with BmcFleet([bmc]):
        reading = _read(bmc, pins)
    result = decide(entries[0], model, reading)
    assert (result.verdict, result.reasons) == ("accepted", ())
    assert reading.tls_first_contact and reading.credentials == "factory"
    assert len(reading.accelerators) == model.accelerator_count
    assert (tmp_path / "pins").read_text().startswith(f"{bmc.identity.address}:{bmc.identity.port} sha256:")


KINDS = {
    "unreachable": "unreachable",
    "auth": "auth_refused",
    "serial": "serial",
    "mac": "mac",
    "model": "model",
    "accelerators": "accelerators",
    "firmware": "firmware",
    "bios": "bios",
    "power": "power",
    "health": "health",
}


@pytest.mark.parametrize(("fault", "kind"), sorted(KINDS.items()))
def test_each_fault_is_rejected_with_its_reason(manifest, cert_dir: Path, tmp_path: Path, fault: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    bmc.set_fault(fault)
    with BmcFleet([bmc]):
        reading = _read(bmc, PinStore(tmp_path / "pins"))
    result = decide(entries[0], model, reading)
    assert result.verdict == "rejected"
    assert [r.kind for r in result.reasons] == [kind], result.reasons
    assert result.reasons[0].fix


def test_a_changed_certificate_is_refused_not_repinned(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    pins = PinStore(tmp_path / "pins")
    with BmcFleet([bmc]):
        assert _read(bmc, pins).failure is None
        before = (tmp_path / "pins").read_text()
        bmc.set_fault("tls")
        logins = bmc.requests
        reading = _read(bmc, PinStore(tmp_path / "pins"))
        assert bmc.requests == logins, "nothing, credentials least of all, may be sent to a BMC whose certificate changed"
    assert reading.failure == "tls_changed"
    assert [r.kind for r in decide(entries[0], model, reading).reasons] == ["tls_changed"]
    assert (tmp_path / "pins").read_text() == before


def test_transient_503_is_retried_then_accepted(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    bmc.set_fault("busy")
    with BmcFleet([bmc]):
        reading = _read(bmc, PinStore(tmp_path / "pins"))
    assert decide(entries[0], model, reading).verdict == "accepted"


def test_retries_are_bounded_for_a_dead_bmc(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import time

    (bmc,) = _bmcs(manifest, cert_dir)
    bmc.set_fault("unreachable")
    with BmcFleet([bmc]):
        t = time.perf_counter()
        reading = read_bmc(_target(bmc), PinStore(tmp_path / "pins"), timeout_s=1, attempts=2, backoff_s=0.05)
        assert time.perf_counter() - t < 5
    assert reading.failure == "unreachable" and "refused" in reading.detail


def test_every_fault_of_the_emulator_has_a_test() -> None:
    assert set(FAULTS) == set(KINDS) | {"tls", "busy"}


def test_basic_auth_reads_the_same(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    with BmcFleet([bmc]):
        reading = _read(bmc, PinStore(tmp_path / "pins"), auth="basic")
    assert decide(entries[0], model, reading).verdict == "accepted"


def test_rotation_on_acceptance_then_the_site_password_logs_in(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    pins = PinStore(tmp_path / "pins")
    with BmcFleet([bmc]):
        first = _read(bmc, pins, site=SITE, accept=lambda r: decide(entries[0], model, r).verdict == "accepted")
        assert first.rotated and first.credentials == "factory"
        # the factory password no longer works; a later run logs in with the site's own
        second = _read(bmc, pins, site=SITE, accept=lambda r: True)
        assert (second.failure, second.credentials, second.rotated) == (None, "site", False)
        assert _read(bmc, pins).failure == "auth_refused"


def test_rejected_server_is_not_rotated(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (bmc,) = _bmcs(manifest, cert_dir)
    bmc.set_fault("serial")
    with BmcFleet([bmc]):
        reading = _read(
            bmc, PinStore(tmp_path / "pins"), site=SITE, accept=lambda r: decide(entries[0], model, r).verdict == "accepted"
        )
        assert not reading.rotated
        assert _read(bmc, PinStore(tmp_path / "pins")).credentials == "factory"


def test_unlisted_bmc_on_the_range_is_reported(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bmcs = _bmcs(manifest, cert_dir, n=3)
    listed = {bmcs[0].identity.address, bmcs[1].identity.address}
    with BmcFleet(bmcs):
        rng = loopback_addresses(6, str(ipaddr_minus_one(bmcs[0].identity.address)))
        found = sweep(rng, bmcs[0].identity.port, listed, FleetOptions(timeout_s=1))
        before = bmcs[2].requests
    assert [r.address for r in found] == [bmcs[2].identity.address]
    result = unlisted(found[0])
    assert result.verdict == "unlisted" and "SYS-821GE-TNHR" in result.reasons[0].message
    assert before == 1, "an unlisted BMC gets one anonymous GET of its service root, never a login"


def ipaddr_minus_one(address: str) -> str:
    import ipaddress

    return str(ipaddress.IPv4Address(address) - 1)


def test_power_actions_call_the_hook(manifest, cert_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (bmc,) = _bmcs(manifest, cert_dir)
    calls: list[tuple[str, str]] = []
    bmc.on_power = lambda name, reset: calls.append((name, reset))
    ident = bmc.identity
    with BmcFleet([bmc]):
        pool = urllib3.HTTPSConnectionPool(ident.address, ident.port, cert_reqs="CERT_NONE", assert_hostname=False)
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # a self-signed test BMC, on loopback
        auth = urllib3.make_headers(basic_auth=f"ADMIN:{FACTORY}")
        target = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"
        assert pool.request("POST", target, json={"ResetType": "ForceOff"}, headers=auth).status == 204
        assert json.loads(pool.request("GET", "/redfish/v1/Systems/1", headers=auth).data)["PowerState"] == "Off"
        assert pool.request("POST", target, json={"ResetType": "Explode"}, headers=auth).status == 400
        assert pool.request("POST", target, json={"ResetType": "On"}).status == 401
    assert calls == [(ident.name, "ForceOff")]


def test_fleet_reads_many_bmcs_in_order(manifest, cert_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    bmcs = _bmcs(manifest, cert_dir, n=4)
    bmcs[2].set_fault("firmware")
    with BmcFleet(bmcs):
        readings = read_fleet([_target(b) for b in bmcs], PinStore(tmp_path / "pins"), FleetOptions(workers=2, **FAST))
    verdicts = [decide(e, model, r).verdict for e, r in zip(entries, readings, strict=True)]
    assert verdicts == ["accepted", "accepted", "rejected", "accepted"]


# --- the canary: the BMC password appears nowhere it should not ---------------------------------


def test_password_never_in_argv_logs_or_reports(manifest, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    addresses = loopback_addresses(2, _base())
    port = free_port(addresses[0])
    identities = [
        asdict(
            identity_from_manifest(e, model, username="ADMIN", password=FACTORY, port=port, address=a, accelerator_model="NVIDIA H20")
        )
        for e, a in zip(entries[:2], addresses, strict=True)
    ]
    config = tmp_path / "bmcs.json"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"bmcs": identities, "faults": {entries[1].hostname: ["serial"]}}, out)
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    emulator = subprocess.Popen(
        [sys.executable, "-m", "regionkit.adapters.redfish.emulator", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert emulator.stdout is not None and emulator.stdout.readline().startswith("ready")
        argv = Path(f"/proc/{emulator.pid}/cmdline").read_bytes().decode()
        environ = Path(f"/proc/{emulator.pid}/environ").read_bytes().decode(errors="replace")
        caplog.set_level(logging.DEBUG)
        pins = PinStore(tmp_path / "pins")
        targets = [BmcTarget(i["name"], i["address"], port, Credentials("ADMIN", Secret(FACTORY)), Secret(SITE)) for i in identities]
        readings = read_fleet(targets, pins, FleetOptions(**FAST), accept=lambda t, r: True)
        refused = read_bmc(BmcTarget("x", addresses[0], port, Credentials("ADMIN", Secret(FACTORY + "-wrong"))), pins, **FAST)
        results = [decide(e, model, r) for e, r in zip(entries[:2], readings, strict=True)]
    finally:
        assert emulator.stdin is not None
        emulator.stdin.close()
        emulator.wait(timeout=30)
        assert emulator.stdout is not None and emulator.stderr is not None
        out, err = emulator.stdout.read(), emulator.stderr.read()
    assert refused.failure == "auth_refused"
    assert readings[0].rotated
    seen = "\n".join(
        [
            argv,
            environ,
            out,
            err,
            caplog.text,
            *capfd.readouterr(),
            (tmp_path / "pins").read_text(),
            repr(readings),
            repr(refused),
            repr(results),
            repr(targets),
            str(targets[0].credentials),
            json.dumps([asdict(r) for r in results], default=str),
        ]
    )
    assert "HTTP/1.1" in caplog.text, "urllib3's debug log was captured (the check below must see it)"
    for secret in (FACTORY, SITE):
        assert secret not in seen


def test_open_ports_finds_listeners_among_closed_addresses() -> None:
    from regionkit.adapters.redfish.fleet import open_ports

    addresses = loopback_addresses(300, _base())
    port = free_port(addresses[0])
    listeners = []
    for address in (addresses[7], addresses[299]):
        import socket

        s = socket.socket()
        s.bind((address, port))
        s.listen()
        listeners.append(s)
    try:
        assert open_ports(addresses, port, timeout_s=1.0, batch=64) == [addresses[7], addresses[299]]
    finally:
        for s in listeners:
            s.close()


def test_a_bmc_keeps_its_certificate_across_restarts_and_after_a_tls_fault(manifest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries, model = manifest
    (address,) = loopback_addresses(1, _base())
    port = free_port(address)
    ident = identity_from_manifest(entries[0], model, username="ADMIN", password=FACTORY, port=port, address=address)
    pins = PinStore(tmp_path / "pins")
    with BmcFleet([EmulatedBmc(ident, tmp_path, stable_cert=True)]) as fleet:
        assert _read(fleet.bmcs[ident.name], pins).failure is None
        fleet.set_fault(ident.name, "tls")
        assert _read(fleet.bmcs[ident.name], pins).failure == "tls_changed"
        fleet.set_fault(ident.name, "tls", False)
        assert _read(fleet.bmcs[ident.name], pins).failure is None
    with BmcFleet([EmulatedBmc(ident, tmp_path, stable_cert=True)]) as again:  # "rebooted": same certificate
        assert _read(again.bmcs[ident.name], pins).failure is None
