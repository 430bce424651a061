"""The collection as Ansible's own tools see it: `ansible-galaxy collection build` and `install`,
`ansible-test sanity` on the installed copy (it must sit at .../ansible_collections/regionkit/
accelerators/), `ansible-doc` on every plugin and role, and the site playbook's syntax check from
the installed copy and from the repository's root (its ansible.cfg, host key checking on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO
from .conftest import VENV_BIN

pytestmark = pytest.mark.slow

# What the collection holds: its roles, plugins and playbook, and nothing of the regionkit tool.
CONTENT = ("roles/", "plugins/", "meta/runtime.yml", "playbooks/site.yml", "tests/sanity/", "README.md", "CHANGELOG.md")
GALAXY_FILES = ("MANIFEST.json", "FILES.json")
# The sanity tests ansible-test runs without installing anything (the others build a virtualenv
# per test and install its requirements from the network; ansible-doc's is covered below).
OFFLINE_SANITY = (
    "action-plugin-docs", "changelog", "compile", "empty-init", "ignores", "line-endings", "no-assert",
    "no-get-exception", "no-illegal-filenames", "no-smart-quotes", "pslint", "replace-urlopen", "shebang",
    "shellcheck", "symlinks", "use-argspec-type-path", "use-compat-six",
)  # fmt: skip
PLUGINS = {
    "filter": ["dpkg_query", "dpkg_state", "dpkg_missing", "dpkg_held"],
    "test": ["ip_network", "ip_in_networks"],
    "lookup": ["mirror_presign"],
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any Ansible setting of the caller's (nor regionkit's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    return {**env, "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}", **extra}


def run(argv: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=clean_env(**extra), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    proc = run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out)], cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tarball,) = out.glob("regionkit-accelerators-*.tar.gz")
    return tarball


@pytest.fixture(scope="module")
def installed(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The collection installed where Ansible (and ansible-test) expects it."""
    root = tmp_path_factory.mktemp("collections")
    proc = run([str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(root), str(built)], cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield root


def test_collection_holds_only_its_content(built: Path) -> None:
    with tarfile.open(built) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
    stray = [n for n in names if n not in GALAXY_FILES and not n.startswith(CONTENT)]
    assert stray == [], f"not collection content: {stray}; add their folders to build_ignore in galaxy.yml"
    manifest = json.loads(tar_member(built, "MANIFEST.json"))["collection_info"]
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (galaxy["namespace"], galaxy["name"], galaxy["version"])


def tar_member(tarball: Path, name: str) -> bytes:
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read()


def test_installed_site_playbook_passes_syntax_check(installed: Path, tmp_path: Path) -> None:
    """As AWX and users run it: by its FQCN, from anywhere, with no ansible.cfg of ours."""
    proc = run(
        [str(VENV_BIN / "ansible-playbook"), "--syntax-check", "regionkit.accelerators.site"],
        cwd=tmp_path, ANSIBLE_COLLECTIONS_PATH=str(installed),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ansible_collections/regionkit/accelerators/playbooks/site.yml" in proc.stdout


def test_installed_sanity_passes(installed: Path) -> None:
    where = installed / "ansible_collections" / "regionkit" / "accelerators"
    tests = [arg for name in OFFLINE_SANITY for arg in ("--test", name)]
    proc = run([str(VENV_BIN / "ansible-test"), "sanity", "--local", "--python", "3.11", *tests], cwd=where)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("Running sanity test") == len(OFFLINE_SANITY)


@pytest.mark.parametrize(("kind", "name"), [(kind, name) for kind, names in PLUGINS.items() for name in names])
def test_installed_plugin_is_documented(installed: Path, tmp_path: Path, kind: str, name: str) -> None:
    """ansible-doc reads each plugin's documentation (what ansible-test's ansible-doc test runs)."""
    fqcn = f"regionkit.accelerators.{name}"
    proc = run([str(VENV_BIN / "ansible-doc"), "-t", kind, "--json", fqcn], cwd=tmp_path, ANSIBLE_COLLECTIONS_PATH=str(installed))
    assert proc.returncode == 0 and "WARNING" not in proc.stderr.replace("CryptographyDeprecationWarning", ""), proc.stderr
    doc = json.loads(proc.stdout)[fqcn]
    assert doc["doc"]["short_description"] and doc["examples"] and doc["return"]


def test_installed_roles_have_argument_specs(installed: Path, tmp_path: Path) -> None:
    proc = run(
        [str(VENV_BIN / "ansible-doc"), "-t", "role", "--json", "-l", "regionkit.accelerators"],
        cwd=tmp_path, ANSIBLE_COLLECTIONS_PATH=str(installed),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    listed = {name.rsplit(".", 1)[1] for name in json.loads(proc.stdout)}
    assert listed == {p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()}


def test_site_playbook_passes_syntax_check_from_the_repository_root() -> None:
    """`ansible-playbook --syntax-check playbooks/site.yml` as AWX runs a project playbook: the root
    ansible.cfg finds the roles, the repository stands in for the collection (playbook-adjacent)."""
    proc = run([str(VENV_BIN / "ansible-playbook"), "--syntax-check", "playbooks/site.yml"], cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_root_ansible_cfg_holds_the_runner_settings() -> None:
    """Ansible's own reading of the root ansible.cfg (ansible-config), host key checking on."""
    proc = run([str(VENV_BIN / "ansible-config"), "dump", "--only-changed", "--format", "json"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    settings = {s["name"]: s["value"] for s in json.loads(proc.stdout) if "name" in s}
    assert settings["HOST_KEY_CHECKING"] is True
    assert settings["DEFAULT_ROLES_PATH"] == [str(REPO / "roles")]
    assert settings["DEFAULT_GATHERING"] == "smart" and settings["CACHE_PLUGIN"] == "jsonfile"
    assert settings["INJECT_FACTS_AS_VARS"] is False and settings["RETRY_FILES_ENABLED"] is False
    assert settings["DEFAULT_FORKS"] == 32
    ssh = run(
        [str(VENV_BIN / "ansible-config"), "dump", "--only-changed", "--format", "json", "-t", "connection"], cwd=REPO
    )  # fmt: skip
    plugin = {s["name"]: s["value"] for entry in json.loads(ssh.stdout) for s in entry.get("ssh", [])}
    assert plugin["pipelining"] is True and plugin["control_path_dir"] == "/tmp/rk-ssh"
    assert "ControlPersist=120s" in plugin["ssh_args"] and plugin["control_path"] == "%(directory)s/%%C"


def test_wheel_content_finds_the_collection_plugins(tmp_path: Path) -> None:
    """Installed from the wheel (no links there), the roles still find regionkit.accelerators.*:
    the plugins ship beside site.yml, where the clone's playbooks/collections/ link points."""
    proc = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(REPO)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("regionkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "installed")
    content = tmp_path / "installed" / "regionkit" / "content"
    (content / "playbooks" / "probe.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.assert:\n        that:\n"
        "          - (['rdma-core'] | regionkit.accelerators.dpkg_query)[0] == 'dpkg-query'\n"
        "          - \"'10.0.0.1' is regionkit.accelerators.ip_in_networks(['10.0.0.0/8'])\"\n"
    )
    proc = run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(content / "playbooks" / "probe.yml")], cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check = run([str(VENV_BIN / "ansible-playbook"), "--syntax-check", str(content / "playbooks" / "site.yml")], cwd=tmp_path,
                ANSIBLE_ROLES_PATH=str(content / "roles"))  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
