"""The lab's base image: Debian 12 minbase with what lab hosts need to boot systemd, serve SSH
and run Ansible. Built once with debootstrap into the user's cache directory, keyed by a hash
of its recipe; a changed recipe builds a new image."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from regionkit.errors import RegionkitError

SUITE = "bookworm"
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "iproute2",
    "iputils-ping",
    "ca-certificates",
    "curl",
    "sudo",
    "procps",
    "kmod",
    "gnupg",
    # Heavy and common to every lab host: torch (gloo) for the collectives benchmark, and
    # iperf3. The collectives role still installs them through apt where they are missing.
    "python3-torch",
    "python3-numpy",
    "iperf3",
)
# Units that cannot work, or must not run, inside a lab host: they would set the machine's
# clock, manage seats and terminals, remount filesystems, load kernel modules, or take the apt
# lock at random times in the middle of a test.
MASKED_UNITS = (
    "systemd-timesyncd.service",
    "systemd-logind.service",
    "systemd-remount-fs.service",
    "systemd-modules-load.service",
    "systemd-sysctl.service",
    "systemd-udevd.service",
    "systemd-udev-trigger.service",
    "e2scrub_reap.service",
    "e2scrub_all.timer",
    "getty@tty1.service",
    "console-getty.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "fstrim.timer",
    "sys-kernel-config.mount",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "dev-hugepages.mount",
    "dev-mqueue.mount",
    # Fails now and then at boot inside the namespaces (seen in CI), leaving systemd "degraded".
    # Only root logs in to lab hosts, and pam_nologin never refuses root.
    "systemd-user-sessions.service",
)
SSHD_CONFIG = """# regionkit lab: keys only
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
"""
IMAGE_VERSION = 4  # bump when the preparation below changes


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/regionkit (default ~/.cache/regionkit)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regionkit"


def recipe_hash() -> str:
    recipe = {
        "version": IMAGE_VERSION,
        "suite": SUITE,
        "packages": PACKAGES,
        "masked": MASKED_UNITS,
        "sshd": SSHD_CONFIG,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def debian_mirror() -> str:
    """The Debian mirror this machine's own apt sources use (deb822 or one-line format)."""
    candidates: list[str] = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        candidates += re.findall(r"^URIs:\s*(\S+)", path.read_text(), flags=re.M)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        candidates += re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+", legacy.read_text(), flags=re.M)
    for uri in candidates:
        if "security" not in uri and uri.startswith(("http://", "https://")):
            return uri.rstrip("/")
    raise RegionkitError("no Debian mirror in /etc/apt/sources.list(.d); the lab image is built from the machine's own mirror")


def image_path() -> Path:
    return cache_dir() / "images" / recipe_hash() / "rootfs"


def ensure_image(progress: Callable[[str], None]) -> tuple[Path, float | None]:
    """The base image's root; builds it first if missing. Returns (rootfs, build seconds or None)."""
    rootfs = image_path()
    if (rootfs.parent / "complete").exists():
        return rootfs, None
    if shutil.which("debootstrap") is None:
        raise RegionkitError("debootstrap is not installed; run scripts/setup.sh (or apt-get install debootstrap)")
    rootfs.parent.parent.mkdir(parents=True, exist_ok=True)
    with open(rootfs.parent.parent / f"{recipe_hash()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; a second waits and reuses it
        if (rootfs.parent / "complete").exists():
            return rootfs, None
        started = time.monotonic()
        work = rootfs.parent.with_name(rootfs.parent.name + ".partial")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(work / "rootfs"),
            debian_mirror(),
        ]
        log = work / "debootstrap.log"
        with (
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc,
            log.open("w") as out,
        ):
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                if line.startswith(("I: Retrieving", "I: Extracting", "I: Unpacking", "I: Configuring", "I: Base system")):
                    progress(line[3:].strip())
        if proc.returncode != 0:
            raise RegionkitError(f"debootstrap failed (exit {proc.returncode}); see {log}")
        _prepare(work / "rootfs")
        shutil.rmtree(rootfs.parent, ignore_errors=True)
        work.rename(rootfs.parent)
        (rootfs.parent / "complete").write_text(json.dumps({"built_s": round(time.monotonic() - started, 1)}))
        return rootfs, time.monotonic() - started


def _prepare(root: Path) -> None:
    for key in (root / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()  # every host gets its own keys, generated at `lab up`
    (root / "etc" / "ssh" / "sshd_config.d" / "10-regionkit-lab.conf").write_text(SSHD_CONFIG)
    units = root / "etc" / "systemd" / "system"
    for unit in MASKED_UNITS:
        target = units / unit
        target.unlink(missing_ok=True)
        target.symlink_to("/dev/null")
    (root / "etc" / "machine-id").write_text("")  # each host writes its own
    # debootstrap points apt at the machine's mirror; lab hosts get the lab's mirror only.
    (root / "etc" / "apt" / "sources.list").unlink(missing_ok=True)
    subprocess.run(["chroot", str(root), "apt-get", "clean"], check=True, capture_output=True)
