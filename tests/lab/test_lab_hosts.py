"""Lab hosts are real, isolated hosts: own hostname, address, root filesystem, PID space,
systemd and sshd; the mirror serves apt and S3; pinned host keys are enforced."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from regionkit.adapters.storage.s3 import MirrorEndpoint, get_object, list_buckets, presigned_url, put_object

from ..conftest import REPO
from .conftest import STATE, Lab, regionkit

pytestmark = pytest.mark.lab


def test_lab_hosts_have_their_names_and_addresses(lab: Lab) -> None:
    assert len(lab.hosts) == 4
    for name, info in lab.hosts.items():
        out = lab.ssh(name, "hostname; ip -4 -o addr show dev eth0").stdout
        assert out.splitlines()[0] == name
        assert f"inet {info['address']}/16" in out


def test_lab_hosts_run_systemd_as_pid1_and_are_running(lab: Lab) -> None:
    for name in lab.hosts:
        out = lab.ssh(name, "cat /proc/1/comm; systemctl is-system-running --wait; systemctl is-active ssh", check=False)
        failed = lab.ssh(name, "systemctl --failed --no-legend; journalctl -b -p err --no-pager | tail -5").stdout
        assert out.stdout.split() == ["systemd", "running", "active"], (name, out.stdout, failed)


def test_lab_hosts_have_cgroup_trees_of_their_own(lab: Lab) -> None:
    """Side by side, hosts' systemds must not share /system.slice/<unit> (that failed units at boot)."""
    for name in lab.hosts:
        own = lab.ssh(name, "readlink /proc/1/ns/cgroup; grep -E '^(0::|[0-9]+:name=systemd:)' /proc/1/cgroup").stdout.split()
        assert own[0] != Path("/proc/self/ns/cgroup").readlink().as_posix()
        assert len(own) == 3 and all(line.endswith(":/init.scope") for line in own[1:]), (name, own)
    mounted = [ln.split() for ln in Path("/proc/self/mounts").read_text().splitlines()]
    for root in [m[1] for m in mounted if m[2] == "cgroup2" or "name=systemd" in m[3]]:
        trees = {p.name for p in Path(root, "regionkit-lab").iterdir() if p.is_dir()}
        assert trees == set(lab.hosts), root
        for name in lab.hosts:
            assert Path(root, "regionkit-lab", name, "init.scope", "cgroup.procs").read_text().strip(), (root, name)


def test_lab_root_filesystems_are_separate(lab: Lab) -> None:
    first, second = sorted(lab.hosts)[:2]
    lab.ssh(first, "echo only-here > /root/isolation-marker")
    try:
        assert lab.ssh(second, "test -e /root/isolation-marker", check=False).returncode == 1
        assert not Path("/root/isolation-marker").exists()
    finally:
        lab.ssh(first, "rm -f /root/isolation-marker")


def test_lab_pid_spaces_are_separate(lab: Lab) -> None:
    namespaces = {name: lab.ssh(name, "readlink /proc/1/ns/pid").stdout.strip() for name in lab.hosts}
    assert len(set(namespaces.values())) == len(lab.hosts)
    assert Path("/proc/self/ns/pid").readlink().as_posix() not in namespaces.values()
    for name in lab.hosts:  # a host sees only its own few processes
        assert int(lab.ssh(name, "ls /proc | grep -c '^[0-9]'").stdout) < 40


def test_lab_hosts_have_no_route_off_the_bridge(lab: Lab) -> None:
    for name in lab.hosts:
        routes = lab.ssh(name, "ip -4 route show").stdout
        assert "default" not in routes and "198.18.0.0/16 dev eth0" in routes


def test_lab_host_cannot_write_kernel_settings(lab: Lab) -> None:
    name = sorted(lab.hosts)[0]
    result = lab.ssh(name, "echo 1 > /proc/sys/net/ipv4/ip_forward", check=False)
    assert result.returncode != 0 and "Read-only file system" in result.stderr


def test_lab_status_reports_hosts_and_mirror(lab: Lab) -> None:
    out = regionkit("lab", "status").stdout
    for name in lab.hosts:
        assert name in out
    assert "apt proxy http://198.18.0.1:3142: ok" in out and "S3 http://198.18.0.1:9000: ok" in out


def test_lab_host_installs_a_package_through_the_proxy(lab: Lab) -> None:
    name = sorted(lab.hosts)[-1]
    sources = lab.ssh(name, "cat /etc/apt/sources.list.d/*.sources; ls /etc/apt/sources.list 2>&1 || true").stdout
    assert "URIs: http://198.18.0.1:3142/debian" in sources and "No such file" in sources
    lab.ssh(name, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq")
    assert lab.ssh(name, "jq --version").stdout.startswith("jq-")
    log = "".join(p.read_text(errors="replace") for p in (STATE / "logs" / "apt-cacher-ng").glob("*.log"))
    assert "jq_" in log  # the package came through the lab's proxy


def test_lab_s3_round_trip_and_host_fetch(lab: Lab) -> None:
    keys = {"AWS_ACCESS_KEY_ID": lab.s3["access_key"], "AWS_SECRET_ACCESS_KEY": lab.s3["secret_key"]}
    endpoint = MirrorEndpoint(f"http://{lab.gateway}:9000", lab.s3["bucket"], credentials=keys)
    assert lab.s3["bucket"] in list_buckets(endpoint)
    put_object(endpoint, "tests/round-trip.txt", b"regionkit lab mirror\n")
    assert get_object(endpoint, "tests/round-trip.txt") == b"regionkit lab mirror\n"
    url = presigned_url(endpoint, "tests/round-trip.txt")
    name = sorted(lab.hosts)[0]
    assert lab.ssh(name, f"curl -sSf '{url}'").stdout == "regionkit lab mirror\n"


def test_lab_swapped_host_key_is_refused(lab: Lab, tmp_path: Path) -> None:
    first, second = sorted(lab.hosts)[:2]
    lines = (STATE / "known_hosts").read_text().splitlines()
    keys = {ln.split()[0].split(",")[0]: ln.split(None, 1)[1] for ln in lines}
    swapped = tmp_path / "known_hosts"
    swapped.write_text(
        "".join(f"{name},{lab.hosts[name]['address']} {keys[second] if name == first else keys[name]}\n" for name in lab.hosts)
    )
    refused = lab.ssh(first, "true", known_hosts=swapped, check=False)
    assert refused.returncode == 255 and "Host key verification failed" in refused.stderr
    assert lab.ssh(second, "true", known_hosts=swapped).returncode == 0


def test_lab_inventory_works_with_ansible_and_host_key_checking(lab: Lab) -> None:
    ansible = Path(sys.executable).parent / "ansible"
    env = {"ANSIBLE_HOST_KEY_CHECKING": "True", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    inventory = str(REPO / "inventories" / "lab" / "hosts.yml")
    proc = subprocess.run(
        [str(ansible), "-i", inventory, "all", "-m", "ansible.builtin.ping", "-o"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == 4
    listed = json.loads(
        subprocess.run(
            [str(ansible) + "-inventory", "-i", str(REPO / "inventories" / "lab" / "hosts.yml"), "--list"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert sorted(listed["laba"]["children"]) == ["laba_asc", "laba_nv"]
    assert sorted(listed["labb"]["children"]) == ["labb_amd", "labb_ppu"]
    assert shutil.which("ssh")
