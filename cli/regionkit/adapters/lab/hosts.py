"""Lab hosts from kernel primitives: per host a network namespace with a veth into the lab
bridge, and (inside `unshare`) its own mount, UTS, PID and cgroup namespaces over an overlay root, with
systemd as PID 1 and a real sshd. Nothing here reaches past the bridge: hosts have one on-link
address and no default route.

State is written before each thing is created, so `down` can clean up after a crash or a
SIGKILL of `up`; processes are found by a command line that names this lab's state folder.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionkit.adapters.ansible.runner import close_connections
from regionkit.adapters.lab import bmcs as lab_bmcs
from regionkit.adapters.lab import mirror, packages
from regionkit.adapters.lab.image import SUITE, ensure_image
from regionkit.catalog import files
from regionkit.errors import BadInputError, HostsUnreachableError, RegionkitError
from regionkit.planning.lab import APT_PROXY_PORT, S3_PORT, LabHostPlan, LabPlan
from regionkit.planning.outputs import PoolOutput
from regionkit.workspace import Workspace

if TYPE_CHECKING:  # the emulator needs the lab extra (cryptography); bootstrap and verify do not
    from regionkit.adapters.redfish.emulator import BmcIdentity

MACHINE_LOCK = Path("/run/regionkit-lab.owner")
BOOT_TIMEOUT_S = 90
CGROUP_PARENT = "regionkit-lab"
LAUNCH = """#!/bin/sh
# regionkit lab host {name}: run by `ip netns exec {netns} unshare ...` (see hosts.py)
set -e
if [ "$1" != booting ]; then
  # Each host's systemd gets a subtree of its own in the machine's name=systemd and cgroup2
  # hierarchies (it runs them as "hybrid"), seen through a cgroup namespace as their roots: hosts
  # booting side by side would otherwise create and remove the same /system.slice/<unit>
  # folders and fail units with "Failed to attach ... to cgroup".
  C={base}/cgroup
  mkdir -p "$C"
  for fs in "cgroup -o none,name=systemd" cgroup2; do
    mount -t $fs cgroup "$C"
    mkdir -p "$C/{cgroup}"
    echo $$ > "$C/{cgroup}/cgroup.procs"
    umount "$C"
  done
  exec unshare --cgroup /bin/sh "$0" booting
fi
R={merged}
mount -t overlay overlay -o lowerdir={image},upperdir={upper},workdir={work} "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs -o mode=755 tmpfs "$R/sys/fs/cgroup"
mkdir -p "$R/sys/fs/cgroup/systemd"
mount -t cgroup -o none,name=systemd cgroup "$R/sys/fs/cgroup/systemd"
mount --rbind /dev "$R/dev"
mount -t tmpfs -o mode=755 tmpfs "$R/run"
# Kernel settings are the machine's: a lab host may read them, never write them.
mount --bind -o ro "$R/proc/sys" "$R/proc/sys"
if [ -e "$R/proc/sysrq-trigger" ]; then mount --bind -o ro "$R/proc/sysrq-trigger" "$R/proc/sysrq-trigger"; fi
hostname {name}
export container=regionkit-lab
# No lab host may set the machine's clock or load kernel modules.
exec setpriv --bounding-set -sys_time,-sys_module chroot "$R" /lib/systemd/systemd
"""


@dataclass(frozen=True)
class LabPaths:
    """The lab's own files, in its workspace folder (state, SSH keys, per-host roots, logs)."""

    workspace: Workspace

    @property
    def state_dir(self) -> Path:
        return self.workspace.lab_dir

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def key(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / "known_hosts"

    def host_dir(self, name: str) -> Path:
        return self.state_dir / "hosts" / name


@dataclass(frozen=True)
class HostStatus:
    name: str
    address: str
    pool: str
    running: bool
    ssh: bool
    bmc: str = ""  # its emulated BMC's address:port ("" when the lab's manifest does not list it)
    bmc_ok: bool = False


@dataclass(frozen=True)
class LabStatus:
    up: bool
    hosts: list[HostStatus]
    apt_proxy: bool
    s3: bool
    endpoint: dict[str, str]


def require_root() -> None:
    if os.geteuid() != 0:
        raise RegionkitError("regionkit lab needs root: it creates network namespaces, a bridge and mounts; run it as root (sudo)")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RegionkitError(f"ip {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def _save(paths: LabPaths, state: dict[str, Any]) -> None:
    """The state holds the mirror's secret key: written private (0600), atomically, every time."""
    paths.workspace.write(paths.state_file, json.dumps(state, indent=2, sort_keys=True))


def load_state(paths: LabPaths, strict: bool = False) -> dict[str, Any] | None:
    """The lab's state; None when there is none. A state that cannot be read (corrupt, a link, not
    a file) is None too for what cleans up (`down` finds its processes by their command lines),
    and one line (FileProblem) for what would use it (`strict`)."""
    try:
        state = files.read_json(paths.state_file, follow=False)
    except files.MissingFile:
        return None
    except files.FileProblem as exc:
        if strict:
            raise files.FileProblem(f"{str(exc).split('. Fix:')[0]}. Fix: run `regionkit lab down`, then `regionkit lab up`") from None
        return None
    if not isinstance(state, dict):
        if strict:
            raise files.FileProblem(f"{paths.state_file}: not the lab's state. Fix: run `regionkit lab down`, then `regionkit lab up`")
        return None
    return state


def _other_lab(paths: LabPaths) -> str | None:
    """The state folder of another lab that is up on this machine (it owns the bridge, the hosts'
    namespace and link names), if there is one."""
    if not os.path.lexists(MACHINE_LOCK):
        return None
    owner = files.read_text(MACHINE_LOCK, follow=False, limit=4096).strip()
    return owner if owner != str(paths.state_dir.resolve()) and _our_processes(Path(owner)) else None


@contextmanager
def _machine_lock(paths: LabPaths) -> Iterator[None]:
    """One lab per machine: the bridge and the gateway address are the machine's."""
    owner = _other_lab(paths)
    if owner:
        raise RegionkitError(f"another lab is up on this machine (state in {owner}); run `regionkit lab down` there first")
    MACHINE_LOCK.write_text(str(paths.state_dir.resolve()))
    yield


def _our_processes(state_dir: Path) -> list[int]:
    """PIDs of processes this lab started: their command line names its state folder."""
    markers = [str(state_dir.resolve()), str(mirror.s3_data_dir(state_dir))]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(m in cmdline for m in markers):
            found.append(int(entry.name))
    return found


def _wait_port(host: str, port: int, deadline: float, banner: bytes | None = None) -> bool:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                if banner is None or s.recv(64).startswith(banner):
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _spawn(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> int:
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **env} if env else None,
        )  # fmt: skip
    return proc.pid


def _prepare_host(paths: LabPaths, plan: LabPlan, host: LabHostPlan, image: Path, pubkey: str, keyring: bytes | None) -> str:
    """Write the host's own files into its overlay's upper layer; return its host public key."""
    base = paths.host_dir(host.name)
    upper = base / "upper"
    for sub in ("etc/ssh", "root/.ssh", "etc/apt/sources.list.d", "etc/apt/apt.conf.d"):
        (upper / sub).mkdir(parents=True, exist_ok=True)
    if keyring is not None:  # stand-ins hold the lab repository's key where NVIDIA's cuda-keyring puts its own
        target = upper / packages.KEYRING.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(keyring)
        target.chmod(0o644)
    (base / "work").mkdir(exist_ok=True)
    (base / "merged").mkdir(exist_ok=True)
    key = upper / "etc/ssh/ssh_host_ed25519_key"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.name, "-f", str(key)], check=True)
    (upper / "root/.ssh").chmod(0o700)
    (upper / "root/.ssh/authorized_keys").write_text(pubkey)
    (upper / "etc/hostname").write_text(host.name + "\n")
    (upper / "etc/machine-id").write_text(uuid.uuid4().hex + "\n")
    hosts = ["127.0.0.1 localhost", f"{plan.gateway} lab-gateway"] + [f"{h.address} {h.name}" for h in plan.hosts]
    (upper / "etc/hosts").write_text("\n".join(hosts) + "\n")
    # The lab's regional mirror is the only package source (node_baseline manages this later).
    (upper / "etc/apt/sources.list.d/regionkit-mirror.sources").write_text(
        f"Types: deb\nURIs: {plan.apt_proxy}/debian\nSuites: {SUITE} {SUITE}-updates\n"
        "Components: main contrib non-free non-free-firmware\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        f"Types: deb\nURIs: {plan.apt_proxy}/debian-security\nSuites: {SUITE}-security\n"
        "Components: main contrib non-free non-free-firmware\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    # apt-cacher-ng can leave one of many simultaneous requests hanging; bound the wait.
    (upper / "etc/apt/apt.conf.d/80-regionkit-timeouts").write_text('Acquire::http::Timeout "30";\nAcquire::Retries "3";\n')
    (base / "launch.sh").write_text(
        LAUNCH.format(
            name=host.name,
            netns=host.netns,
            base=base,
            cgroup=f"{CGROUP_PARENT}/{host.name}",
            merged=base / "merged",
            image=image,
            upper=upper,
            work=base / "work",
        )
    )
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


def _network_host(plan: LabPlan, host: LabHostPlan) -> None:
    peer = f"rkp{host.index}"
    _ip("netns", "add", host.netns)
    _ip("link", "add", host.veth, "type", "veth", "peer", "name", peer)
    _ip("link", "set", host.veth, "master", plan.bridge, "up")
    _ip("link", "set", peer, "netns", host.netns)
    _ip("-n", host.netns, "link", "set", peer, "name", "eth0")
    _ip("-n", host.netns, "addr", "add", f"{host.address}/{plan.network.prefixlen}", "dev", "eth0")
    _ip("-n", host.netns, "link", "set", "eth0", "up")
    _ip("-n", host.netns, "link", "set", "lo", "up")


def lab_up(
    plan: LabPlan,
    paths: LabPaths,
    progress: Callable[[str], None],
    outputs: dict[str, Any],
    bmcs: list[BmcIdentity] | None = None,
) -> dict[str, Any]:
    """Build the lab: image (cached), bridge, mirror services, hosts, and an emulated BMC per host
    (`bmcs`: their identities, from the lab's manifest). Returns timings and state.
    `outputs` (the hosts as stack outputs) is recorded in the state for whoever uses the hosts.

    Nothing is half-applied: if any step fails, what was made is removed again (logs stay)."""
    require_root()
    paths.workspace.folder(paths.state_dir.name)
    try:
        return _up(plan, paths, progress, outputs, bmcs or [])
    except BaseException:
        if load_state(paths) is not None:  # we started building: take it down again
            lab_down(paths, plan)
        raise


def _launch(paths: LabPaths, name: str, netns: str) -> int:
    """Boot one host (its launcher: the namespaces, the overlay root, systemd); returns the launcher's PID."""
    cmd = [
        "ip", "netns", "exec", netns,
        "unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--propagation", "private",
        "/bin/sh", str(paths.host_dir(name) / "launch.sh"),
    ]  # fmt: skip
    return _spawn(cmd, paths.state_dir / "logs" / f"{name}.console")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def running_hosts(paths: LabPaths) -> set[str]:
    """The hosts whose launcher (and so whose systemd) runs now."""
    state = load_state(paths) or {}
    return {name for name, info in state.get("hosts", {}).items() if _alive(info.get("launcher_pid"))}


def stop_host(paths: LabPaths, name: str) -> bool:
    """Power one host off: SIGKILL its launcher, which takes the host's every process with it (its PID
    namespace); its network namespace, files and host key stay, as a powered-off server keeps its
    disks. Returns whether it was running."""
    require_root()
    info = (load_state(paths) or {}).get("hosts", {}).get(name)
    if info is None:
        raise BadInputError(f"no lab host {name!r}; see `regionkit lab status`")
    pid = info.get("launcher_pid")
    if not _alive(pid) or pid not in _our_processes(paths.state_dir):
        return False
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    close_connections([info["address"]])  # a bootstrap's SSH master to it is dead now
    return True


def start_host(paths: LabPaths, name: str) -> bool:
    """Power one host on: boot it again from its own root (what it wrote stays); returns whether it
    was off. Does not wait for its sshd (a BMC's power-on does not either)."""
    require_root()
    state = load_state(paths) or {}
    info = state.get("hosts", {}).get(name)
    if info is None:
        raise BadInputError(f"no lab host {name!r}; see `regionkit lab status`")
    if _alive(info.get("launcher_pid")):
        return False
    info["launcher_pid"] = _launch(paths, name, info["netns"])
    _save(paths, state)
    return True


def _up(
    plan: LabPlan, paths: LabPaths, progress: Callable[[str], None], outputs: dict[str, Any], bmcs: list[BmcIdentity]
) -> dict[str, Any]:
    with _machine_lock(paths):
        existing = load_state(paths)
        if existing and existing.get("hosts") and _our_processes(paths.state_dir):
            count = len(existing["hosts"])
            raise RegionkitError(f"the lab is already up ({count} hosts); see `regionkit lab status`, or `regionkit lab down`")
        started = time.monotonic()
        image, built_s = ensure_image(progress)
        if not paths.key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "regionkit-lab", "-f", str(paths.key)], check=True)
        pubkey = paths.key.with_suffix(".pub").read_text()
        state: dict[str, Any] = {
            "region": plan.region,
            "bridge": plan.bridge,
            "gateway": str(plan.gateway),
            "network": str(plan.network),
            "image": str(image),
            "s3": {
                "access_key": "rk" + secrets.token_hex(8),
                "secret_key": secrets.token_hex(20),
                "bucket": plan.bucket,
            },
            "hosts": {h.name: {"netns": h.netns, "veth": h.veth, "address": str(h.address), "pool": h.pool} for h in plan.hosts},
            "outputs": outputs,
            "nodes": plan.nodes,
        }
        _save(paths, state)  # intent first: `down` reads it even if we die below
        progress("bridge and mirror")
        _ip("link", "add", plan.bridge, "type", "bridge")
        _ip("addr", "add", f"{plan.gateway}/{plan.network.prefixlen}", "dev", plan.bridge)
        _ip("link", "set", plan.bridge, "up")
        logs = paths.state_dir / "logs"
        _spawn(mirror.apt_proxy_command(plan, paths.state_dir), logs / "apt-cacher-ng.out")
        s3 = state["s3"]
        # The keys reach rclone through its environment (readable only by this user), not its argv.
        rclone_cmd, rclone_env = mirror.s3_command(plan, paths.state_dir, s3["access_key"], s3["secret_key"])
        _spawn(rclone_cmd, logs / "rclone.out", rclone_env)
        progress(f"{len(plan.hosts)} hosts" + (f" standing in for {plan.region}" if plan.stands_in else ""))
        keyring = packages.public_keyring(paths.state_dir) if plan.stands_in else None
        with ThreadPoolExecutor(max_workers=8) as pool:
            host_keys = list(pool.map(lambda h: _prepare_host(paths, plan, h, image, pubkey, keyring), plan.hosts))
        for host in plan.hosts:
            _network_host(plan, host)
            state["hosts"][host.name]["launcher_pid"] = _launch(paths, host.name, host.netns)
        _save(paths, state)
        if bmcs:
            progress(f"{len(bmcs)} BMCs")
            state["bmcs"] = lab_bmcs.start(paths.workspace, paths.state_dir, plan.bridge, bmcs)
            _save(paths, state)
        paths.known_hosts.write_text("".join(f"{h.name},{h.address} {key}\n" for h, key in zip(plan.hosts, host_keys, strict=True)))
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        services_ok = _wait_port(str(plan.gateway), APT_PROXY_PORT, deadline) and _wait_port(str(plan.gateway), S3_PORT, deadline)
        if not services_ok:
            raise RegionkitError(f"the lab mirror did not start; see {logs}/apt-cacher-ng.out and rclone.out")
        if bmcs and not lab_bmcs.wait_ready(state["bmcs"], deadline):
            raise RegionkitError(f"the lab's BMCs did not start; see {logs}/bmcs.out")
        with ThreadPoolExecutor(max_workers=16) as pool:
            ready = list(pool.map(lambda h: _wait_port(str(h.address), 22, deadline, b"SSH-"), plan.hosts))
        late = [h.name for h, ok in zip(plan.hosts, ready, strict=True) if not ok]
        if late:
            raise HostsUnreachableError(
                f"lab hosts did not answer SSH within {BOOT_TIMEOUT_S} s: {', '.join(late)}; see {logs}/<host>.console"
            )
        state["up_s"] = round(time.monotonic() - started, 2)
        state["image_built_s"] = round(built_s, 1) if built_s else None
        _save(paths, state)
        return state


def lab_down(paths: LabPaths, plan: LabPlan | None = None) -> dict[str, int]:
    """Remove everything this lab made; safe to run twice, or after a crashed `up`."""
    require_root()
    state = load_state(paths) or {}
    removed = {"processes": 0, "namespaces": 0, "links": 0, "mounts": 0, "cgroups": 0, "ssh_masters": 0}
    pids = _our_processes(paths.state_dir)
    for pid in pids:  # launchers die with SIGKILL and take their host (unshare --kill-child)
        try:
            os.kill(pid, signal.SIGKILL)
            removed["processes"] += 1
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while _our_processes(paths.state_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _other_lab(paths):  # the namespace, link and bridge names are that lab's now: leave them be
        subprocess.run(["rm", "-rf", str(paths.state_dir / "hosts")], check=False)
        paths.state_file.unlink(missing_ok=True)
        return removed
    hosts = dict(state.get("hosts", {}))
    for h in plan.hosts if plan else ():
        hosts.setdefault(h.name, {"netns": h.netns, "veth": h.veth, "address": str(h.address)})
    # Bootstrap runs leave an SSH master per host (ControlPersist); the next lab reuses the addresses.
    removed["ssh_masters"] = close_connections(sorted({i["address"] for i in hosts.values() if i.get("address")}))
    existing_ns = set(_ip("netns", "list", check=False).stdout.split())
    for info in hosts.values():
        if info["netns"] in existing_ns:
            _ip("netns", "del", info["netns"], check=False)
            removed["namespaces"] += 1
        if _ip("link", "show", info["veth"], check=False).returncode == 0:
            _ip("link", "del", info["veth"], check=False)
            removed["links"] += 1
    bridge = state.get("bridge") or (plan.bridge if plan else None)
    if bridge and _ip("link", "show", bridge, check=False).returncode == 0:
        _ip("link", "del", bridge, check=False)
        removed["links"] += 1
    removed["cgroups"] = _remove_cgroups(sorted(hosts))
    marker = str(paths.state_dir.resolve())
    for line in reversed(Path("/proc/self/mounts").read_text().splitlines()):
        target = line.split()[1]
        if target.startswith(marker):  # none by design (mounts live in the hosts' namespaces)
            subprocess.run(["umount", "-l", target], check=False)
            removed["mounts"] += 1
    subprocess.run(["rm", "-rf", str(paths.state_dir / "hosts")], check=False)
    paths.state_file.unlink(missing_ok=True)
    paths.known_hosts.unlink(missing_ok=True)
    if MACHINE_LOCK.exists() and MACHINE_LOCK.read_text().strip() == marker:
        MACHINE_LOCK.unlink()
    return removed


def _remove_cgroups(hosts: list[str]) -> int:
    """Remove the hosts' cgroup subtrees (deepest first) once their processes are gone; returns
    how many were removed. Runs in a mount namespace of its own, so the hierarchies are mounted
    nowhere on the machine."""
    if not hosts:
        return 0
    script = (
        "set -e; C=$(mktemp -d); n=0; shift; "
        'for fs in "cgroup -o none,name=systemd" cgroup2; do mount -t $fs cgroup "$C"; '
        'for h in "$@"; do d="$C/' + CGROUP_PARENT + '/$h"; [ -d "$d" ] || continue; '
        "for i in 1 2 3 4 5 6 7 8 9 10; do "
        'find "$d" -depth -type d -exec rmdir {} + 2>/dev/null && break; sleep 0.2; done; '
        '[ -d "$d" ] || n=$((n+1)); done; '
        'rmdir "$C/' + CGROUP_PARENT + '" 2>/dev/null || true; umount "$C"; done; rmdir "$C"; echo "$n"'
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", "--", *hosts],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return int(done.stdout.strip() or 0) if done.returncode == 0 else 0


def lab_status(paths: LabPaths) -> LabStatus:
    state = load_state(paths)
    if not state:
        return LabStatus(False, [], False, False, {})
    running = set(_our_processes(paths.state_dir))
    deadline = time.monotonic() + 1.5

    bmcs = state.get("bmcs", {}).get("hosts", {})

    def check(name: str, info: dict[str, Any]) -> HostStatus:
        alive = info.get("launcher_pid") in running
        ssh = alive and _wait_port(info["address"], 22, deadline, b"SSH-")
        bmc = bmcs.get(name, "")
        bmc_ok = bool(bmc) and _wait_port(bmc.rsplit(":", 1)[0], int(bmc.rsplit(":", 1)[1]), deadline)
        return HostStatus(name, info["address"], info["pool"], alive, ssh, bmc, bmc_ok)

    with ThreadPoolExecutor(max_workers=16) as pool:
        hosts = list(pool.map(lambda kv: check(*kv), sorted(state["hosts"].items())))
    gw = state["gateway"]
    return LabStatus(
        up=any(h.running for h in hosts),
        hosts=hosts,
        apt_proxy=_wait_port(gw, APT_PROXY_PORT, time.monotonic() + 1),
        s3=_wait_port(gw, S3_PORT, time.monotonic() + 1),
        endpoint={"apt_proxy": f"http://{gw}:{APT_PROXY_PORT}", "s3": f"http://{gw}:{S3_PORT}"},
    )


# --- the lab as a place hosts come from (read by services/hosts.py) ------------------------------


def up_state(paths: LabPaths) -> dict[str, Any]:
    """The state of a lab that is up, or BadInputError saying how to bring it up."""
    state = load_state(paths, strict=True)
    if not state or not state.get("hosts") or not isinstance(state.get("outputs"), dict) or not isinstance(state.get("s3"), dict):
        raise BadInputError("the lab is down; run `regionkit lab up` first")
    return state


def stands_for(paths: LabPaths) -> str | None:
    """The region whose hosts the lab holds now, if it is up."""
    state = load_state(paths, strict=True)
    if not state or not state.get("hosts") or not isinstance(state.get("outputs"), dict):
        return None
    return str(state["outputs"].get("region"))


def connection_vars(paths: LabPaths) -> dict[str, Any]:
    """How Ansible reaches the lab's hosts: root over SSH with the lab's key and pinned host keys."""
    return {
        "ansible_user": "root",
        "ansible_ssh_private_key_file": str(paths.key),
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={paths.known_hosts} -o StrictHostKeyChecking=yes",
        "ansible_python_interpreter": "/usr/bin/python3",
    }


def publish_stand_in_packages(paths: LabPaths, pools: list[PoolOutput]) -> list[tuple[str, str]]:
    """The stand-in NVIDIA repository for the pools' pins, served by the lab's apt proxy."""
    up_state(paths)
    return packages.publish(paths.state_dir, pools)


def mirror_keys(paths: LabPaths) -> dict[str, str]:
    """The lab mirror's keys, as the AWS credential chain reads them from the environment."""
    s3 = up_state(paths)["s3"]
    if not isinstance(s3.get("access_key"), str) or not isinstance(s3.get("secret_key"), str):
        raise files.FileProblem(f"{paths.state_file}: holds no mirror keys. Fix: run `regionkit lab down`, then `regionkit lab up`")
    return {"AWS_ACCESS_KEY_ID": s3["access_key"], "AWS_SECRET_ACCESS_KEY": s3["secret_key"]}
