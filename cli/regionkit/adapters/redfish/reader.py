"""Read one BMC into a `BmcReading`: service root, the system (identity, power, health, BIOS
attributes, processors), its chassis (serial, health), its manager's Ethernet interfaces (the
BMC MAC) and the firmware inventory; rotate the account's password when asked."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import urllib3

from regionkit.adapters.redfish.client import BmcAuthRefused, BmcError, RedfishSession, fetch_fingerprint
from regionkit.adapters.redfish.pins import PinStore
from regionkit.adapters.redfish.secrets import Credentials, Secret
from regionkit.planning.handover import ACCELERATOR_TYPES, BmcReading, FirmwareItem


@dataclass(frozen=True)
class BmcTarget:
    """One BMC to read: where, with which credentials, and the site password to rotate to (or None)."""

    name: str
    host: str
    port: int
    credentials: Credentials
    site_password: Secret | None = None
    auth: str = "session"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _link(resource: dict[str, Any], *keys: str) -> str | None:
    node: Any = resource
    for key in keys:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict):
        node = node.get("@odata.id")
    return node if isinstance(node, str) else None


def _status(resource: dict[str, Any], key: str) -> str | None:
    status = resource.get("Status")
    value = status.get(key) if isinstance(status, dict) else None
    return value if isinstance(value, str) else None


def read_session(session: RedfishSession, root: dict[str, Any]) -> dict[str, Any]:
    """Every field of a BmcReading that a logged-in session can read."""
    systems = session.get(_link(root, "Systems") or "/redfish/v1/Systems")
    members = systems.get("Members") or []
    if not members:
        raise BmcError("the BMC lists no system")
    system = session.get(members[0]["@odata.id"])
    fields: dict[str, Any] = {
        "manufacturer": system.get("Manufacturer"),
        "model": system.get("Model"),
        "system_serial": system.get("SerialNumber"),
        "power_state": system.get("PowerState"),
        "health": _status(system, "Health"),
        "health_rollup": _status(system, "HealthRollup"),
    }
    processors = _link(system, "Processors")
    accelerators: list[str] = []
    if processors:
        for proc in session.members(session.get(processors)):
            if proc.get("ProcessorType") in ACCELERATOR_TYPES and _status(proc, "State") in (None, "Enabled"):
                accelerators.append(str(proc.get("Model") or proc.get("Id")))
    fields["accelerators"] = tuple(accelerators)
    bios = _link(system, "Bios")
    attributes = session.get(bios).get("Attributes") if bios else None
    fields["bios"] = dict(attributes) if isinstance(attributes, dict) else {}
    chassis_uri = _link(system, "Links", "Chassis")
    if chassis_uri:
        chassis = session.get(chassis_uri)
        fields["chassis_serial"] = chassis.get("SerialNumber")
        fields["chassis_health"] = _status(chassis, "Health")
    manager_uri = _link(system, "Links", "ManagedBy") or _link(root, "Managers")
    macs: list[str] = []
    if manager_uri:
        manager = session.get(manager_uri)
        if "Members" in manager:  # the Managers collection: its first manager
            manager = session.get(manager["Members"][0]["@odata.id"])
        nics = _link(manager, "EthernetInterfaces")
        if nics:
            for nic in session.members(session.get(nics)):
                for key in ("PermanentMACAddress", "MACAddress"):
                    if isinstance(nic.get(key), str):
                        macs.append(nic[key])
    fields["bmc_macs"] = tuple(dict.fromkeys(macs))
    update = _link(root, "UpdateService")
    firmware: list[FirmwareItem] = []
    if update:
        inventory = _link(session.get(update), "FirmwareInventory")
        if inventory:
            for item in session.members(session.get(inventory)):
                firmware.append(FirmwareItem(str(item.get("Id", "")), str(item.get("Name", "")), str(item.get("Version", ""))))
    fields["firmware"] = tuple(firmware)
    return fields


def _open(target: BmcTarget, credentials: Credentials, pins: PinStore, timeout_s: float, attempts: int, backoff_s: float):  # type: ignore[no-untyped-def]
    return RedfishSession(
        target.host,
        target.port,
        credentials,
        pins,
        auth=target.auth,
        timeout_s=timeout_s,
        attempts=attempts,
        backoff_s=backoff_s,
    )


def read_bmc(
    target: BmcTarget,
    pins: PinStore,
    *,
    timeout_s: float = 10.0,
    attempts: int = 3,
    backoff_s: float = 0.5,
    accept: Callable[[BmcReading], bool] | None = None,
) -> BmcReading:
    """Read one BMC. With `accept` and a site password: when accept(reading) holds, rotate the
    account's password to the site's own inside the same session, then prove it logs in."""
    address = f"{target.host}"
    try:
        session = _open(target, target.credentials, pins, timeout_s, attempts, backoff_s)
    except BmcError as exc:
        return BmcReading(address, _now(), failure=exc.kind, detail=str(exc))  # type: ignore[arg-type]
    used = "factory"
    try:
        with session:
            root = session.service_root()
            try:
                session.login(root)
            except BmcAuthRefused:
                if target.site_password is None:
                    raise
                # Rotated on an earlier run: the site's own password is the account's now.
                session.close()
                session = _open(target, session.with_password(target.site_password), pins, timeout_s, attempts, backoff_s)
                session.login(root)
                used = "site"
            fields = read_session(session, root)
            reading = BmcReading(
                address,
                _now(),
                tls_fingerprint=session.fingerprint,
                tls_first_contact=session.first_contact,
                credentials=used,  # type: ignore[arg-type]
                **fields,
            )
            if accept is not None and target.site_password is not None and used == "factory" and accept(reading):
                rotate_password(session, root, target.credentials.username, target.site_password)
                _prove_login(target, pins, timeout_s, attempts, backoff_s)
                reading = replace(reading, rotated=True)
            return reading
    except BmcError as exc:
        return BmcReading(
            address,
            _now(),
            failure=exc.kind,  # type: ignore[arg-type]
            detail=str(exc),
            tls_fingerprint=session.fingerprint,
            tls_first_contact=session.first_contact,
        )


def rotate_password(session: RedfishSession, root: dict[str, Any], username: str, password: Secret) -> None:
    """PATCH the account's Password through AccountService (with its ETag where the BMC gives one)."""
    service = _link(root, "AccountService")
    if not service:
        raise BmcError("the BMC has no AccountService: the password cannot be rotated over Redfish")
    accounts = _link(session.get(service), "Accounts")
    if not accounts:
        raise BmcError("AccountService lists no Accounts")
    for account in session.members(session.get(accounts)):
        if account.get("UserName") == username:
            session.patch(account["@odata.id"], {"Password": password.value}, account.get("@regionkit.etag", ""))
            return
    raise BmcError(f"no account {username!r} in AccountService")


def _prove_login(target: BmcTarget, pins: PinStore, timeout_s: float, attempts: int, backoff_s: float) -> None:
    assert target.site_password is not None
    creds = Credentials(target.credentials.username, target.site_password)
    with _open(target, creds, pins, timeout_s, attempts, backoff_s) as check:
        check.login(check.service_root())


def probe(host: str, port: int, timeout_s: float = 2.0) -> BmcReading | None:
    """A Redfish service at host:port, read without credentials (for BMCs the manifest does not list).

    Nothing is pinned and no credential is sent: an unlisted device is reported, never logged in to.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError:
        return None
    try:
        fingerprint = fetch_fingerprint(host, port, timeout_s, attempts=0, backoff_s=0.0)
        pool = urllib3.HTTPSConnectionPool(
            host, port, cert_reqs="CERT_NONE", assert_hostname=False, assert_fingerprint=fingerprint, timeout=timeout_s, retries=False
        )
        resp = pool.request("GET", "/redfish/v1/", headers={"Accept": "application/json"})
        pool.close()
        root = json.loads(resp.data)
    except (BmcError, urllib3.exceptions.HTTPError, ValueError):
        return BmcReading(host, _now(), model="(answers on the BMC port, not as Redfish)")
    if not isinstance(root, dict) or "RedfishVersion" not in root:
        return BmcReading(host, _now(), model="(answers on the BMC port, not as Redfish)")
    return BmcReading(
        host,
        _now(),
        manufacturer=root.get("Vendor") if isinstance(root.get("Vendor"), str) else None,
        model=root.get("Product") if isinstance(root.get("Product"), str) else None,
        tls_fingerprint=fingerprint,
    )
