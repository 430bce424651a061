"""Pure parts of node bring-up: artifact needs per pool, runner settings, stand-in artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from regionkit.adapters.ansible.runner import CONTROL_DIR, close_connections, runner_env
from regionkit.adapters.lab.artifacts import build
from regionkit.catalog.load import load_catalog
from regionkit.planning.artifacts import region_artifacts
from regionkit.planning.lab import plan_lab

from ..conftest import REPO

CATALOG = load_catalog(REPO)


def test_lab_needs_the_vendor_artifacts_in_vendor_names() -> None:
    names = [a.filename for a in region_artifacts(list(plan_lab(CATALOG).pools))]
    assert names == [
        "Ascend-cann-toolkit_8.1.RC1_linux-x86_64.run",
        "Ascend-hdk-910b-npu-driver_25.0.rc1_linux-x86-64.run",
        "Ascend-hdk-910b-npu-firmware_25.0.rc1.run",
        "PPU_SDK_1.6.2_linux_x86_64.run",
        "rccl_2.22.3_amd64.deb",
        "rocminfo_6.4.0_amd64.deb",
        "rocm-smi-lib_6.4.0_amd64.deb",
    ]


def test_nvidia_pools_need_no_artifact() -> None:
    from regionkit.planning.servers import plan_pools

    pools = plan_pools(CATALOG, CATALOG.region("gb-lon-1"))
    assert region_artifacts(pools) == []


def test_runner_keeps_host_key_checking_pipelining_and_control_persist(tmp_path: Path) -> None:
    env = runner_env(tmp_path, "lab")
    assert env["ANSIBLE_HOST_KEY_CHECKING"] == "True"
    assert env["ANSIBLE_PIPELINING"] == "True"
    assert "ControlPersist=" in env["ANSIBLE_SSH_ARGS"]
    assert env["ANSIBLE_CACHE_PLUGIN"] == "ansible.builtin.jsonfile" and env["ANSIBLE_GATHERING"] == "smart"
    assert env["ANSIBLE_STRATEGY"] == "regionkit_linear"
    ours, mitogens = env["ANSIBLE_STRATEGY_PLUGINS"].split(os.pathsep)
    assert (Path(ours) / "regionkit_linear.py").exists() and (Path(ours) / "regionkit_free.py").exists()
    assert (Path(mitogens) / "mitogen_linear.py").exists()


@pytest.mark.parametrize(("ours", "mitogens"), [("regionkit_free", "free"), ("regionkit_linear", "linear")])
def test_runner_strategies_are_mitogens_without_cpu_pinning(tmp_path: Path, ours: str, mitogens: str) -> None:
    """Mitogen pins all Ansible work to CPU 1 on a machine with fewer than 4 CPUs; ours do not."""
    probe = (
        "from ansible.plugins.loader import strategy_loader\n"
        "import ansible_mitogen.affinity as affinity, ansible_mitogen.strategy\n"
        f"import ansible.plugins.strategy.{mitogens} as base\n"
        "pinned = type(affinity.policy).__name__\n"
        f"cls = strategy_loader.get('{ours}', class_only=True)\n"
        "assert issubclass(cls, ansible_mitogen.strategy.StrategyMixin), cls.__mro__\n"
        "assert issubclass(cls, base.StrategyModule), cls.__mro__\n"
        "assert type(affinity.policy) is affinity.Policy, affinity.policy\n"
        "print(pinned, type(affinity.policy).__name__)\n"
    )
    env = {**os.environ, **runner_env(tmp_path, "lab")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["LinuxPolicy", "Policy"]


@pytest.mark.parametrize("strategy", ["regionkit_linear", "regionkit_free", None])
def test_runner_strategies_load_what_workers_would_import(tmp_path: Path, strategy: str | None) -> None:
    """A forked worker inherits the main process's modules: after our strategy loads, templating
    with builtin filters and tests imports no plugin module (without it, it does)."""
    probe = (
        "import sys\n"
        "from ansible.plugins.loader import strategy_loader\n"
        "from ansible.parsing.dataloader import DataLoader\n"
        "from ansible.template import Templar, trust_as_template\n"
        f"if {strategy!r}: strategy_loader.get({strategy!r}, class_only=True)\n"
        "before = set(sys.modules)\n"
        "out = Templar(loader=DataLoader()).template(trust_as_template(\"{{ ['a', 'b'] | map('regex_replace', '$', '=1')"
        " | unique | list | to_json | b64encode }} {{ 'a' is match('a') }} {{ '/' is ansible.builtin.abs }}"
        ' {{ 4 | ansible.builtin.log(2) }}"))\n'
        "new = sorted(m for m in set(sys.modules) - before if '.plugins.filter' in m or '.plugins.test' in m)\n"
        "print(out.split()[1:], new, 'botocore.auth' in sys.modules)\n"
    )
    env = {**os.environ, **runner_env(tmp_path, "lab")}
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    if strategy:
        assert out.split("]", 1)[1].strip() == "[] True", out
    else:
        assert "ansible.plugins.filter.core" in out, out
    assert out.startswith("['True', 'True', '2.0']"), out


def test_runner_reuses_ssh_connections_across_runs(tmp_path: Path) -> None:
    """Mitogen's SSH adds no ControlPath of its own: without one in ssh_args nothing is reused."""
    args = runner_env(tmp_path, "lab")["ANSIBLE_SSH_ARGS"].split()
    assert f"ControlPath={CONTROL_DIR}/%C" in args and "ControlMaster=auto" in args
    assert len(f"{CONTROL_DIR}/{'0' * 40}") < 108  # %C is a 40-hex hash; sun_path holds 108 bytes


def test_closing_connections_without_masters_closes_none() -> None:
    assert close_connections(["198.18.0.250"]) == 0  # the control socket only: no packet leaves


def test_runner_strategy_can_be_turned_back_to_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONKIT_ANSIBLE_STRATEGY", "linear")
    env = runner_env(tmp_path, "lab")
    assert env["ANSIBLE_STRATEGY"] == "linear" and "ANSIBLE_STRATEGY_PLUGINS" not in env


def test_standin_run_package_installs_where_told(tmp_path: Path) -> None:
    (art,) = [a for a in region_artifacts(list(plan_lab(CATALOG).pools)) if a.name == "ppu-sdk"]
    path = build(art, tmp_path / "out")
    subprocess.run(["sh", str(path), "--quiet", f"--install-path={tmp_path / 'ppu'}"], check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "ppu" / "bin" / "ppu-smi"), "--version"], capture_output=True, text=True).stdout
    assert "1.6.2" in out and "stand-in" in out


def test_standin_deb_is_a_valid_package(tmp_path: Path) -> None:
    (art,) = [a for a in region_artifacts(list(plan_lab(CATALOG).pools)) if a.name == "rocm-rccl"]
    path = build(art, tmp_path)
    info = subprocess.run(["dpkg-deb", "--field", str(path), "Package", "Version"], capture_output=True, text=True, check=True)
    assert info.stdout.split() == ["Package:", "rccl", "Version:", "2.22.3"]


@pytest.mark.parametrize("key", ["ascend/Ascend-cann-toolkit_8.1.RC1_linux-x86_64.run", "a dir/b c+d~e=f&g.deb", "ü/ß.run"])
def test_mirror_presign_signs_as_a_boto3_s3_client_does(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup signs with botocore's SigV4 query signer; the URL is byte for byte the one a
    path-style s3v4 boto3 client presigns at the same instant."""
    import datetime

    import boto3
    import botocore.auth
    from ansible.plugins.loader import lookup_loader
    from botocore.client import Config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.datetime(2026, 11, 24, 10, 0, 0))
    lookup_loader.add_directory(str(REPO / "roles/mirror_artifact/lookup_plugins"))
    endpoint, bucket = "http://198.18.0.1:9000", "regionkit-lab-artifacts"
    (ours,) = lookup_loader.get("mirror_presign").run([key], endpoint=endpoint, bucket=bucket, expires=900)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        region_name="us-east-1",
    )
    assert ours == client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)
