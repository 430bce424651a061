"""Emulated BMCs: real Redfish HTTPS services whose identity comes from a manifest entry.

Each BMC serves the resource tree of a DMTF public rack-mount mockup (service root, Systems with
Processors and Bios, Chassis, Managers with EthernetInterfaces, UpdateService with its
FirmwareInventory, AccountService, SessionService) built from one manifest entry and its server
model: serial, BMC MAC, manufacturer and model, accelerators, firmware at the model's baseline,
the BIOS attributes the model requires, power and health. It speaks HTTP/1.1 with keep-alive over
TLS (a self-signed certificate per BMC, as BMCs ship), authenticates with Redfish sessions or basic
auth, changes an account's password on PATCH (with ETags) and calls a hook on each
ComputerSystem.Reset (the lab turns that into stopping and starting a lab host).

A fault switch per BMC produces each way a handover can fail (`FAULTS`). Many BMCs share one
process and one dispatcher thread, each on its own address (loopback: 127.x.y.z; the lab: the
host's BMC address on the lab bridge), so 200 of them start in about a second.

Why not sushy-tools: its dynamic emulator's fake driver has no serial, model, firmware inventory,
accelerators, accounts or sessions, and its Flask application is a process-wide singleton (one BMC
per process); `sushy-static` prints every request's headers, Authorization included, to stdout.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import http.server
import ipaddress
import json
import secrets
import selectors
import socket
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from regionkit.catalog.model import HandoverSpec, ServerModelSpec, normalized_mac

FAULTS = (
    "unreachable",  # nothing listens: connection refused
    "busy",  # the next requests answer 503 with Retry-After (transient: handover retries)
    "auth",  # the factory credentials are refused
    "tls",  # a new certificate: the pin no longer matches
    "serial",
    "mac",
    "model",
    "accelerators",  # one accelerator missing
    "firmware",  # the first firmware component below the baseline
    "bios",  # the first required BIOS attribute flipped
    "power",  # stuck powering on
    "health",  # system health Critical
)
RESET_TYPES = ("On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "ForceOn", "PowerCycle")
BUSY_REQUESTS = 2
_ODATA = {"OData-Version": "4.0"}


@dataclass
class BmcIdentity:
    """Who one emulated BMC says it is."""

    name: str
    address: str
    port: int
    manufacturer: str
    model: str
    serial: str
    bmc_mac: str
    accelerator_model: str
    accelerator_count: int
    accelerator_type: str = "GPU"
    firmware: list[tuple[str, str, str]] = field(default_factory=list)  # (Id, Name, Version)
    bios: dict[str, str | int | bool] = field(default_factory=dict)
    power_state: str = "On"
    health: str = "OK"
    username: str = "root"
    password: str = field(default="", repr=False)


def _bios_name(attribute: str, match: str, index: int) -> str:
    # Supermicro's X13 BIOS appends a registry suffix to attribute names (hence match: prefix).
    return f"{attribute}_{0x1A0 + index:04X}" if match == "prefix" else attribute


def identity_from_manifest(
    entry: HandoverSpec,
    model: ServerModelSpec,
    *,
    username: str,
    password: str,
    port: int,
    accelerator_model: str = "",
    accelerator_type: str = "GPU",
    address: str | None = None,
) -> BmcIdentity:
    """The identity a compliant server of this manifest entry would report."""
    firmware = []
    for i, baseline in enumerate(model.firmware):
        ident = _example_id(baseline.id_pattern, f"FW{i}")
        name = _example_id(baseline.name_pattern, baseline.component)
        firmware.append((ident, name, baseline.min_version))
    return BmcIdentity(
        name=entry.hostname,
        address=address or str(entry.bmc_address),
        port=port,
        manufacturer=model.manufacturer,
        model=model.model,
        serial=entry.serial,
        bmc_mac=normalized_mac(entry.bmc_mac),
        accelerator_model=accelerator_model or f"{model.accelerators[0]}",
        accelerator_count=model.accelerator_count,
        accelerator_type=accelerator_type,
        firmware=firmware,
        bios={_bios_name(s.attribute, s.match, i): s.value for i, s in enumerate(model.bios)},
        username=username,
        password=password,
    )


def _example_id(pattern: str | None, fallback: str) -> str:
    """A string that a catalog regex like ^HGX_FW_GPU_SXM_[0-9]+$ or ^BMC$ matches."""
    if not pattern:
        return fallback
    text = pattern.strip("^$").replace("[0-9]+", "1").replace("\\d+", "1").replace("\\", "")
    return text or fallback


def _self_signed(name: str, address: str, folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(name)]
    with contextlib.suppress(ValueError):  # a host name rather than an address: DNS name only
        names.append(x509.IPAddress(ipaddress.ip_address(address)))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    stem = folder / f"{name}-{secrets.token_hex(4)}"
    key_path, cert_path = stem.with_suffix(".key"), stem.with_suffix(".crt")
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


class EmulatedBmc:
    """The Redfish resources and behaviour of one BMC (transport-free: `handle` a request)."""

    def __init__(
        self,
        identity: BmcIdentity,
        cert_dir: Path,
        on_power: Callable[[str, str], None] | None = None,
        stable_cert: bool = False,
    ) -> None:
        """`stable_cert`: keep the certificate in `cert_dir` under the BMC's address and use it
        again next time (a real BMC keeps its certificate across reboots; the lab's across `lab up`)."""
        self.identity = identity
        self._cert_dir = cert_dir
        self._stable_cert = stable_cert
        self.on_power = on_power
        self.faults: set[str] = set()
        self._busy_left = 0
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}  # session id -> token
        self._password = identity.password
        self._account_etag = secrets.token_hex(8)
        self.uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{identity.name}.{identity.serial}"))
        self.context = self._own_context = self._new_context(fresh=not stable_cert)
        self.requests = 0

    def _new_context(self, fresh: bool = True) -> ssl.SSLContext:
        if fresh:
            cert, key = _self_signed(self.identity.name, self.identity.address, self._cert_dir)
        else:
            stem = self._cert_dir / f"bmc-{self.identity.address}"  # the address keeps its certificate, as pins expect
            cert, key = stem.with_name(stem.name + ".crt"), stem.with_name(stem.name + ".key")
            if not (cert.is_file() and key.is_file()):
                made_cert, made_key = _self_signed(self.identity.name, self.identity.address, self._cert_dir)
                made_key.replace(key)
                made_cert.replace(cert)
        self.certificate = cert
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        return ctx

    def set_fault(self, kind: str, on: bool = True) -> None:
        if kind not in FAULTS:
            raise ValueError(f"no fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            if on:
                self.faults.add(kind)
            else:
                self.faults.discard(kind)
            if kind == "busy":
                self._busy_left = BUSY_REQUESTS if on else 0
            if kind == "tls":  # a new certificate while on; the BMC's own again when switched off
                self.context = self._new_context() if on else self._own_context
            if kind == "auth":
                self._password = secrets.token_urlsafe(16) if on else self.identity.password
                self._sessions.clear()

    # --- resources --------------------------------------------------------------------------

    def _system(self) -> dict[str, Any]:
        ident, f = self.identity, self.faults
        return {
            "@odata.id": "/redfish/v1/Systems/1",
            "@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem",
            "Id": "1",
            "Name": ident.name,
            "SystemType": "Physical",
            "Manufacturer": ident.manufacturer,
            "Model": ident.model + (" (other)" if "model" in f else ""),
            "SerialNumber": self._serial(),
            "UUID": self.uuid,
            "PowerState": "PoweringOn" if "power" in f else ident.power_state,
            "BiosVersion": next((v for i, n, v in ident.firmware if "BIOS" in (i + n).upper()), "1.0"),
            "Status": {
                "State": "Enabled" if ident.power_state == "On" else "StandbyOffline",
                "Health": "Critical" if "health" in f else ident.health,
                "HealthRollup": "Critical" if "health" in f else ident.health,
            },
            "ProcessorSummary": {"Count": 2, "Model": "Host CPU"},
            "Processors": {"@odata.id": "/redfish/v1/Systems/1/Processors"},
            "Bios": {"@odata.id": "/redfish/v1/Systems/1/Bios"},
            "Links": {
                "Chassis": [{"@odata.id": "/redfish/v1/Chassis/1"}],
                "ManagedBy": [{"@odata.id": "/redfish/v1/Managers/1"}],
            },
            "Actions": {
                "#ComputerSystem.Reset": {
                    "target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                    "ResetType@Redfish.AllowableValues": list(RESET_TYPES),
                }
            },
        }

    def _serial(self) -> str:
        return self.identity.serial + ("X" if "serial" in self.faults else "")

    def _accelerators(self) -> int:
        return self.identity.accelerator_count - (1 if "accelerators" in self.faults else 0)

    def _processor(self, pid: str) -> dict[str, Any] | None:
        ident = self.identity
        base = {"@odata.id": f"/redfish/v1/Systems/1/Processors/{pid}", "@odata.type": "#Processor.v1_18_0.Processor", "Id": pid}
        if pid in ("CPU1", "CPU2"):
            return {**base, "Name": pid, "ProcessorType": "CPU", "Model": "Host CPU", "Status": {"State": "Enabled", "Health": "OK"}}
        if pid.startswith("ACC") and pid[3:].isdigit() and 1 <= int(pid[3:]) <= self._accelerators():
            return {
                **base,
                "Name": f"Accelerator {pid[3:]}",
                "ProcessorType": ident.accelerator_type,
                "Model": ident.accelerator_model,
                "Status": {"State": "Enabled", "Health": "OK"},
            }
        return None

    def _firmware(self) -> list[tuple[str, str, str]]:
        items = list(self.identity.firmware)
        if "firmware" in self.faults and items:
            ident, name, _ = items[0]
            items[0] = (ident, name, "0.0.0")
        return items

    def _bios(self) -> dict[str, Any]:
        attrs = dict(self.identity.bios)
        if "bios" in self.faults and attrs:
            first = next(iter(attrs))
            value = attrs[first]
            attrs[first] = (not value) if isinstance(value, bool) else ("Disabled" if value != "Disabled" else "Enabled")
        return attrs

    def resource(self, path: str) -> dict[str, Any] | None:
        ident = self.identity
        p = path.rstrip("/") or "/"
        if p == "/redfish":
            return {"v1": "/redfish/v1/"}
        if p == "/redfish/v1":
            return {
                "@odata.id": "/redfish/v1/",
                "@odata.type": "#ServiceRoot.v1_16_0.ServiceRoot",
                "Id": "RootService",
                "Name": "Root Service",
                "RedfishVersion": "1.17.0",
                "UUID": self.uuid,
                "Vendor": ident.manufacturer,
                "Product": ident.model,
                "Systems": {"@odata.id": "/redfish/v1/Systems"},
                "Chassis": {"@odata.id": "/redfish/v1/Chassis"},
                "Managers": {"@odata.id": "/redfish/v1/Managers"},
                "UpdateService": {"@odata.id": "/redfish/v1/UpdateService"},
                "AccountService": {"@odata.id": "/redfish/v1/AccountService"},
                "SessionService": {"@odata.id": "/redfish/v1/SessionService"},
                "Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"}},
            }
        if p == "/redfish/v1/odata":
            names = ("Systems", "Chassis", "Managers", "UpdateService", "AccountService", "SessionService")
            return {
                "@odata.context": "/redfish/v1/$metadata",
                "value": [{"name": n, "kind": "Singleton", "url": f"/redfish/v1/{n}"} for n in names],
            }
        collections = {
            "/redfish/v1/Systems": ("ComputerSystemCollection", "Computer System Collection", ["/redfish/v1/Systems/1"]),
            "/redfish/v1/Chassis": ("ChassisCollection", "Chassis Collection", ["/redfish/v1/Chassis/1"]),
            "/redfish/v1/Managers": ("ManagerCollection", "Manager Collection", ["/redfish/v1/Managers/1"]),
            "/redfish/v1/Systems/1/Processors": (
                "ProcessorCollection",
                "Processors Collection",
                ["/redfish/v1/Systems/1/Processors/CPU1", "/redfish/v1/Systems/1/Processors/CPU2"]
                + [f"/redfish/v1/Systems/1/Processors/ACC{n}" for n in range(1, self._accelerators() + 1)],
            ),
            "/redfish/v1/Managers/1/EthernetInterfaces": (
                "EthernetInterfaceCollection",
                "Manager Ethernet Interfaces",
                ["/redfish/v1/Managers/1/EthernetInterfaces/1"],
            ),
            "/redfish/v1/UpdateService/FirmwareInventory": (
                "SoftwareInventoryCollection",
                "Firmware Inventory",
                [f"/redfish/v1/UpdateService/FirmwareInventory/{i}" for i, _, _ in self._firmware()],
            ),
            "/redfish/v1/AccountService/Accounts": ("ManagerAccountCollection", "Accounts", ["/redfish/v1/AccountService/Accounts/2"]),
            "/redfish/v1/AccountService/Roles": ("RoleCollection", "Roles", ["/redfish/v1/AccountService/Roles/Administrator"]),
            "/redfish/v1/SessionService/Sessions": (
                "SessionCollection",
                "Sessions",
                [f"/redfish/v1/SessionService/Sessions/{s}" for s in sorted(self._sessions)],
            ),
        }
        if p in collections:
            kind, name, members = collections[p]
            return {
                "@odata.id": p,
                "@odata.type": f"#{kind}.{kind}",
                "Name": name,
                "Members@odata.count": len(members),
                "Members": [{"@odata.id": m} for m in members],
            }
        if p == "/redfish/v1/Systems/1":
            return self._system()
        if p.startswith("/redfish/v1/Systems/1/Processors/"):
            return self._processor(p.rsplit("/", 1)[1])
        if p == "/redfish/v1/Systems/1/Bios":
            return {
                "@odata.id": p,
                "@odata.type": "#Bios.v1_2_0.Bios",
                "Id": "Bios",
                "Name": "BIOS Configuration Current Settings",
                "AttributeRegistry": "BiosAttributeRegistry.v1_0_0",
                "Attributes": self._bios(),
            }
        if p == "/redfish/v1/Chassis/1":
            return {
                "@odata.id": p,
                "@odata.type": "#Chassis.v1_23_0.Chassis",
                "Id": "1",
                "Name": "Computer System Chassis",
                "ChassisType": "RackMount",
                "Manufacturer": ident.manufacturer,
                "Model": ident.model,
                "SerialNumber": self._serial(),
                "PowerState": ident.power_state,
                "Status": {"State": "Enabled", "Health": "OK"},
                "Links": {
                    "ComputerSystems": [{"@odata.id": "/redfish/v1/Systems/1"}],
                    "ManagedBy": [{"@odata.id": "/redfish/v1/Managers/1"}],
                },
            }
        if p == "/redfish/v1/Managers/1":
            bmc_fw = next((v for i, n, v in ident.firmware if "BMC" in (i + n).upper()), "1.0")
            return {
                "@odata.id": p,
                "@odata.type": "#Manager.v1_18_0.Manager",
                "Id": "1",
                "Name": "Manager",
                "ManagerType": "BMC",
                "FirmwareVersion": bmc_fw,
                "UUID": self.uuid,
                "Status": {"State": "Enabled", "Health": "OK"},
                "EthernetInterfaces": {"@odata.id": "/redfish/v1/Managers/1/EthernetInterfaces"},
                "Links": {
                    "ManagerForServers": [{"@odata.id": "/redfish/v1/Systems/1"}],
                    "ManagerForChassis": [{"@odata.id": "/redfish/v1/Chassis/1"}],
                },
            }
        if p == "/redfish/v1/Managers/1/EthernetInterfaces/1":
            mac = "02:00:5e:00:00:01" if "mac" in self.faults else ident.bmc_mac
            return {
                "@odata.id": p,
                "@odata.type": "#EthernetInterface.v1_12_0.EthernetInterface",
                "Id": "1",
                "Name": "Manager Ethernet Interface",
                "InterfaceEnabled": True,
                "MACAddress": mac,
                "PermanentMACAddress": mac,
                "IPv4Addresses": [{"Address": ident.address, "AddressOrigin": "Static"}],
                "Status": {"State": "Enabled", "Health": "OK"},
            }
        if p == "/redfish/v1/UpdateService":
            return {
                "@odata.id": p,
                "@odata.type": "#UpdateService.v1_14_0.UpdateService",
                "Id": "UpdateService",
                "Name": "Update Service",
                "ServiceEnabled": True,
                "FirmwareInventory": {"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory"},
            }
        if p.startswith("/redfish/v1/UpdateService/FirmwareInventory/"):
            fid = p.rsplit("/", 1)[1]
            for ident_id, name, version in self._firmware():
                if ident_id == fid:
                    return {
                        "@odata.id": p,
                        "@odata.type": "#SoftwareInventory.v1_10_0.SoftwareInventory",
                        "Id": ident_id,
                        "Name": name,
                        "Version": version,
                        "Updateable": True,
                        "Status": {"State": "Enabled", "Health": "OK"},
                    }
            return None
        if p == "/redfish/v1/AccountService":
            return {
                "@odata.id": p,
                "@odata.type": "#AccountService.v1_15_0.AccountService",
                "Id": "AccountService",
                "Name": "Account Service",
                "ServiceEnabled": True,
                "Accounts": {"@odata.id": "/redfish/v1/AccountService/Accounts"},
                "Roles": {"@odata.id": "/redfish/v1/AccountService/Roles"},
            }
        if p == "/redfish/v1/AccountService/Roles/Administrator":  # the account's role (DMTF's predefined one)
            return {
                "@odata.id": p,
                "@odata.type": "#Role.v1_3_2.Role",
                "Id": "Administrator",
                "Name": "Administrator Role",
                "RoleId": "Administrator",
                "IsPredefined": True,
                "AssignedPrivileges": ["Login", "ConfigureManager", "ConfigureUsers", "ConfigureSelf", "ConfigureComponents"],
            }
        if p == "/redfish/v1/AccountService/Accounts/2":
            return {
                "@odata.id": p,
                "@odata.type": "#ManagerAccount.v1_12_0.ManagerAccount",
                "Id": "2",
                "Name": "User Account",
                "UserName": ident.username,
                "RoleId": "Administrator",
                "Enabled": True,
                "Locked": False,
                "Password": None,
                "AccountTypes": ["Redfish"],
                "Links": {"Role": {"@odata.id": "/redfish/v1/AccountService/Roles/Administrator"}},
            }
        if p == "/redfish/v1/SessionService":
            return {
                "@odata.id": p,
                "@odata.type": "#SessionService.v1_1_9.SessionService",
                "Id": "SessionService",
                "Name": "Session Service",
                "ServiceEnabled": True,
                "SessionTimeout": 1800,
                "Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"},
            }
        if p.startswith("/redfish/v1/SessionService/Sessions/"):
            sid = p.rsplit("/", 1)[1]
            if sid in self._sessions:
                return {
                    "@odata.id": p,
                    "@odata.type": "#Session.v1_7_0.Session",
                    "Id": sid,
                    "Name": "User Session",
                    "UserName": ident.username,
                }
        return None

    # --- requests ---------------------------------------------------------------------------

    def _authorized(self, headers: dict[str, str]) -> bool:
        token = headers.get("x-auth-token")
        if token:
            return any(hmac.compare_digest(token, t) for t in self._sessions.values())
        basic = headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return False
            return self._credentials_ok(user, password)
        return False

    def _credentials_ok(self, user: str, password: str) -> bool:
        return hmac.compare_digest(user, self.identity.username) and hmac.compare_digest(password, self._password)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        """Answer one request: (status, headers, JSON body or None)."""
        with self._lock:
            self.requests += 1
            if self._busy_left > 0:
                self._busy_left -= 1
                return 503, {"Retry-After": "0"}, _error("Base.1.0.ServiceTemporarilyUnavailable", "busy, try again")
            return self._handle(method, path.split("?", 1)[0], headers, body)

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        p = path.rstrip("/") or "/"
        public = p in ("/redfish", "/redfish/v1", "/redfish/v1/odata")
        sessions = "/redfish/v1/SessionService/Sessions"
        if method == "POST" and p == sessions:
            return self._login(body)
        if not public and not self._authorized(headers):
            return (
                401,
                {"WWW-Authenticate": 'Basic realm="Redfish"'},
                _error("Base.1.0.InsufficientPrivilege", "authentication required"),
            )
        if method == "GET":
            res = self.resource(p)
            if res is None:
                return 404, {}, _error("Base.1.0.ResourceMissingAtURI", f"no resource at {p}")
            etag = f'W/"{hashlib.sha256(json.dumps(res, sort_keys=True).encode()).hexdigest()[:16]}"'
            if p == "/redfish/v1/AccountService/Accounts/2":
                etag = f'W/"{self._account_etag}"'
            return 200, {"ETag": etag}, res
        if method == "DELETE" and p.startswith(sessions + "/"):
            sid = p.rsplit("/", 1)[1]
            if self._sessions.pop(sid, None) is None:
                return 404, {}, _error("Base.1.0.ResourceMissingAtURI", "no such session")
            return 204, {}, None
        if method == "PATCH" and p == "/redfish/v1/AccountService/Accounts/2":
            return self._patch_account(headers, body)
        if method == "POST" and p == "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset":
            return self._reset(body)
        if self.resource(p) is not None:
            return 405, {"Allow": "GET"}, _error("Base.1.0.OperationNotAllowed", f"{method} is not allowed on {p}")
        return 404, {}, _error("Base.1.0.ResourceMissingAtURI", f"no resource at {p}")

    def _login(self, body: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            data = json.loads(body or b"{}")
            user, password = str(data["UserName"]), str(data["Password"])
        except (ValueError, KeyError, TypeError):
            return 400, {}, _error("Base.1.0.PropertyMissing", "UserName and Password are required")
        if not self._credentials_ok(user, password):
            return 401, {}, _error("Base.1.0.NoValidSession", "invalid credentials")
        sid, token = secrets.token_hex(8), secrets.token_urlsafe(24)
        self._sessions[sid] = token
        uri = f"/redfish/v1/SessionService/Sessions/{sid}"
        res = {"@odata.id": uri, "@odata.type": "#Session.v1_7_0.Session", "Id": sid, "Name": "User Session", "UserName": user}
        return 201, {"Location": uri, "X-Auth-Token": token}, res

    def _patch_account(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        match = headers.get("if-match")
        if match and match not in (f'W/"{self._account_etag}"', "*"):
            return 412, {}, _error("Base.1.0.PreconditionFailed", "the account changed since it was read")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {}, _error("Base.1.0.MalformedJSON", "the body is not JSON")
        password = data.get("Password") if isinstance(data, dict) else None
        if not isinstance(password, str) or len(password) < 8:
            return 400, {}, _error("Base.1.0.PropertyValueFormatError", "Password must be at least 8 characters")
        self._password = password
        self._account_etag = secrets.token_hex(8)
        return 204, {}, None

    def _reset(self, body: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            reset = json.loads(body or b"{}").get("ResetType")
        except (ValueError, AttributeError):
            reset = None
        if reset not in RESET_TYPES:
            return 400, {}, _error("Base.1.0.ActionParameterValueNotInList", f"ResetType must be one of {', '.join(RESET_TYPES)}")
        if reset in ("ForceOff", "GracefulShutdown"):
            self.identity.power_state = "Off"
        elif reset in ("On", "ForceOn", "PowerCycle", "GracefulRestart", "ForceRestart"):
            self.identity.power_state = "On"
        if self.on_power is not None:
            self.on_power(self.identity.name, reset)
        return 204, {}, None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "@Message.ExtendedInfo": [{"MessageId": code, "Message": message}]}}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client connection
    server_version = "regionkit-bmc"
    sys_version = ""
    # One write per answer, sent at once: headers and body in separate segments would meet the
    # client's delayed ACK (about 40 ms per request on Linux).
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request log: nothing a client sent (credentials) is ever written anywhere

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if 0 < length <= 1 << 20 else b""
        bmc: EmulatedBmc = self.server.bmc  # type: ignore[attr-defined]
        status, headers, payload = bmc.handle(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for key, value in {**_ODATA, **headers}.items():
            self.send_header(key, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and method != "HEAD":
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")


class _BmcServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, bmc: EmulatedBmc) -> None:
        self.bmc = bmc
        self.timeout = 0
        super().__init__((bmc.identity.address, bmc.identity.port), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the connection's own thread, not in the dispatcher.
        try:
            tls = self.bmc.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            tls.settimeout(30)
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError):
            pass
        finally:
            tls.close()


class BmcFleet:
    """Serve many emulated BMCs from one process: one listening socket per BMC address, one thread
    that accepts on all of them. Use as a context manager; `stop` closes every socket."""

    def __init__(self, bmcs: Iterable[EmulatedBmc]) -> None:
        self.bmcs = {b.identity.name: b for b in bmcs}
        self._servers: dict[str, _BmcServer] = {}
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> BmcFleet:
        for name, bmc in self.bmcs.items():
            if "unreachable" not in bmc.faults:
                self._listen(name)
        self._thread = threading.Thread(target=self._loop, name="bmc-fleet", daemon=True)
        self._thread.start()
        return self

    def _listen(self, name: str) -> None:
        server = _BmcServer(self.bmcs[name])
        with self._lock:
            self._servers[name] = server
            self._selector.register(server.socket, selectors.EVENT_READ, server)

    def set_fault(self, name: str, kind: str, on: bool = True) -> None:
        """Switch a fault on one BMC; `unreachable` closes (or reopens) its listening socket."""
        bmc = self.bmcs[name]
        bmc.set_fault(kind, on)
        if kind == "unreachable":
            with self._lock:
                server = self._servers.pop(name, None) if on else None
                if server is not None:
                    self._selector.unregister(server.socket)
            if server is not None:
                server.server_close()
            if not on and name not in self._servers:
                self._listen(name)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                server: _BmcServer = key.data
                try:
                    server.handle_request()
                except OSError:
                    continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for server in self._servers.values():
                server.server_close()
            self._servers.clear()
        self._selector.close()

    def __enter__(self) -> BmcFleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def loopback_addresses(count: int, base: str = "127.77.0.0") -> list[str]:
    """`count` distinct loopback addresses (127.0.0.0/8 all reach this machine), from `base` + 1."""
    start = ipaddress.IPv4Address(base)
    if start not in ipaddress.IPv4Network("127.0.0.0/8"):
        raise ValueError(f"{base} is not a loopback address")
    return [str(start + 1 + i) for i in range(count)]


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def private_cert_dir() -> Path:
    """A 0700 folder for the emulated BMCs' keys (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix="rk-bmc-"))


def serve_from_config(path: Path) -> None:
    """Run a fleet described by a JSON file (0600: it holds the BMC passwords) until stdin closes.

    {"bmcs": [<BmcIdentity fields>...], "faults": {"<name>": ["serial", ...]}}. Prints `ready N`
    once every socket listens. Secrets come only from the file, never from argv or the environment.
    """
    import sys

    config = json.loads(path.read_text(encoding="utf-8"))
    cert_dir = private_cert_dir()
    bmcs = []
    for raw in config["bmcs"]:
        raw["firmware"] = [tuple(f) for f in raw.get("firmware", [])]
        bmc = EmulatedBmc(BmcIdentity(**raw), cert_dir)
        for kind in config.get("faults", {}).get(raw["name"], []):
            bmc.set_fault(kind)
        bmcs.append(bmc)
    try:
        with BmcFleet(bmcs):
            print(f"ready {len(bmcs)}", flush=True)
            sys.stdin.read()  # the parent closes our stdin to stop us
    finally:
        for child in cert_dir.iterdir():
            child.unlink()
        cert_dir.rmdir()


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m regionkit.adapters.redfish.emulator CONFIG.json")
    serve_from_config(Path(sys.argv[1]))
