"""A stand-in for NVIDIA's CUDA repository, served by the lab's package source.

A region's NVIDIA pools pin a driver branch Debian 12 does not carry (580 for H20 and L20); in the
region, its package source serves NVIDIA's CUDA repository for Debian 12 (a flat repository,
`deb [signed-by=...] .../cuda/repos/debian12/x86_64/ /`) beside Debian, and the nodes install the
pinned userspace from it. The lab cannot reach NVIDIA, so for stand-ins it builds a flat
repository of its own at the same path under its package source (`<source>/cuda/debian12/x86_64/`),
with stand-in packages under NVIDIA's package names at the pinned versions (they install a
version file and nothing else: no driver, no tool), indexed and signed (InRelease) with a key of
the lab's, whose public keyring the stand-in hosts hold where NVIDIA's `cuda-keyring` puts its own.
Nothing is `trusted=yes`: apt checks the signature as it does NVIDIA's.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from regionkit.errors import RegionkitError
from regionkit.planning.outputs import PoolOutput

# Where the repository sits under the package source, as the region's proxy maps NVIDIA's.
REPO_PATH = "cuda/debian12/x86_64"
# Where NVIDIA's cuda-keyring package installs the repository's keyring on a node.
KEYRING = "/usr/share/keyrings/cuda-archive-keyring.gpg"
KEY_UID = "regionkit lab stand-in repository (not NVIDIA's)"
# The userspace nvidia_driver installs and holds at the pin (roles/nvidia_driver/defaults/main.yml).
USERSPACE = ("nvidia-smi", "libnvidia-ml1", "nvidia-alternative")
DEBIAN_REVISION = "1"


def repo_root(state_dir: Path) -> Path:
    """The folder the lab's apt proxy serves as `/cuda/` (apt-cacher-ng LocalDirs)."""
    return state_dir / "packages" / "cuda"


def _gnupg(state_dir: Path) -> Path:
    home = state_dir / "packages" / "gnupg"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def _gpg(state_dir: Path, *args: str) -> bytes:
    if shutil.which("gpg") is None:
        raise RegionkitError("gpg is not installed; run scripts/setup.sh (or apt-get install gnupg)")
    proc = subprocess.run(["gpg", "--batch", "--quiet", "--homedir", str(_gnupg(state_dir)), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise RegionkitError(f"gpg {' '.join(args[:2])} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def public_keyring(state_dir: Path) -> bytes:
    """The lab repository's public key as a binary keyring (made once per lab)."""
    if not _gpg(state_dir, "--list-secret-keys", "--with-colons"):
        _gpg(state_dir, "--passphrase", "", "--quick-gen-key", KEY_UID, "ed25519", "sign", "never")
    return _gpg(state_dir, "--export", KEY_UID)


def stand_in_packages(pools: list[PoolOutput]) -> list[tuple[str, str]]:
    """(package, version) for every NVIDIA pool's pinned userspace and Fabric Manager."""
    wanted: set[tuple[str, str]] = set()
    for pool in pools:
        if pool.vendor != "nvidia":
            continue
        driver, fabric = pool.software.get("driver", ""), pool.software.get("fabric_manager", "")
        if driver:
            wanted.update((name, driver) for name in USERSPACE)
        if fabric:
            wanted.add((f"nvidia-fabricmanager-{fabric.split('.')[0]}", fabric))
    return sorted(wanted)


def _deb(name: str, version: str, folder: Path) -> Path:
    full = f"{version}-{DEBIAN_REVISION}"
    target = folder / f"{name}_{full}_amd64.deb"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        (root / "DEBIAN").mkdir(parents=True)
        (root / "DEBIAN" / "control").write_text(
            f"Package: {name}\nVersion: {full}\nArchitecture: amd64\nMaintainer: regionkit lab <lab@regionkit.invalid>\n"
            f"Description: regionkit lab stand-in for NVIDIA's {name} {version} (no driver, no tool)\n"
        )
        share = root / "usr" / "share" / "regionkit-stand-ins" / name
        share.mkdir(parents=True)
        (share / "VERSION").write_text(full + "\n")
        for path in sorted(root.rglob("*")):  # the same bytes on every build: the index does not churn
            os.utime(path, (0, 0), follow_symlinks=False)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(target)],
            check=True, capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
        )  # fmt: skip
    return target


def _stanza(deb: Path) -> str:
    control = subprocess.run(["dpkg-deb", "--field", str(deb)], check=True, capture_output=True, text=True).stdout
    data = deb.read_bytes()
    return control.rstrip("\n") + f"\nFilename: ./{deb.name}\nSize: {len(data)}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"


def publish(state_dir: Path, pools: list[PoolOutput]) -> list[tuple[str, str]]:
    """Build the stand-in repository for the pools' NVIDIA pins, index it and sign it. Returns the packages."""
    packages = stand_in_packages(pools)
    folder = repo_root(state_dir) / REPO_PATH.removeprefix("cuda/")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.deb"):
        old.unlink()
    debs = [_deb(name, version, folder) for name, version in packages]
    index = "\n".join(_stanza(d) for d in debs).encode()
    (folder / "Packages").write_bytes(index)
    files = {"Packages": index}
    release = (
        "Origin: regionkit lab\nLabel: stand-in for NVIDIA's CUDA repository\nArchitectures: amd64\n"
        f"Date: {email.utils.formatdate(usegmt=True)}\nSHA256:\n"
        + "".join(f" {hashlib.sha256(b).hexdigest()} {len(b)} {name}\n" for name, b in files.items())
    )
    (folder / "Release").write_text(release)
    public_keyring(state_dir)
    signed = _gpg(state_dir, "--local-user", KEY_UID, "--clearsign", "--output", "-", str(folder / "Release"))
    (folder / "InRelease").write_bytes(signed)
    return packages
