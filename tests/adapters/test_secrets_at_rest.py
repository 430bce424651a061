"""Secrets at rest and in argv, against the real things: the lab mirror is the real `rclone serve s3`
(loopback), the download is the real mirror_artifact role run by ansible-runner on a local host.

- rclone takes its keys from its environment (RCLONE_AUTH_KEY), never its command line, and
  honours them (right keys in, wrong keys refused: rclone's own definition of the flag);
- the role's presigned download is no_log: no event, log or file of the run holds the URL's
  signature, credential or token; the rescue still names the artifact;
- ansible-runner records each run's environment; regionkit keeps the names, never the values.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from regionkit.adapters.ansible.runner import NOT_KEPT, run_playbook, scrub_recorded_environments
from regionkit.adapters.lab import mirror
from regionkit.workspace import Workspace

from ..conftest import command_lines, missing_tool

ACCESS = "rkCANARYACCESS0001"
SECRET = "CANARY-SECRET-" + "5f" * 16
BUCKET = "regionkit-test"
ARTIFACT = b"stand-in vendor artifact\n" * 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The lab mirror's S3 server, started the way the lab starts it, on a loopback port."""
    pytest.importorskip("boto3")
    try:
        mirror.rclone_binary()
    except Exception as exc:
        missing_tool(f"rclone is not installed (the lab extra): {exc}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    port = _free_port()
    command, env = mirror.s3_command(SimpleNamespace(gateway="127.0.0.1", bucket=BUCKET), tmp_path / "lab", ACCESS, SECRET)  # type: ignore[arg-type]
    command[command.index("--addr") + 1] = f"127.0.0.1:{port}"
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _client(url: str, secret: str = SECRET):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.client import Config

    return boto3.client(
        "s3", endpoint_url=url, aws_access_key_id=ACCESS, aws_secret_access_key=secret, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )  # fmt: skip


def test_rclone_holds_its_keys_from_the_environment_only(s3: str) -> None:
    from botocore.exceptions import ClientError

    assert BUCKET in [b["Name"] for b in _client(s3).list_buckets()["Buckets"]]  # rclone honoured RCLONE_AUTH_KEY
    with pytest.raises(ClientError):
        _client(s3, secret="wrong-" + SECRET).list_buckets()
    assert not [c for c in command_lines() if SECRET.encode() in c], "the mirror's secret is on a command line"


PLAY = """---
- name: Fetch one artifact from the mirror
  hosts: all
  gather_facts: false
  tasks:
    - name: The mirror_artifact role, as the vendor roles use it
      ansible.builtin.include_role:
        name: mirror_artifact
      vars:
        mirror_artifact_files: [{artifact: "sdk@1", dest: "{{ dest }}"}]
"""


def _local_play(tmp_path: Path, text: str, hosts: dict[str, object], **variables: object) -> tuple[Path, Path]:
    """A playbook under site/playbooks/ (roles from the content root) and an inventory of local hosts."""
    (tmp_path / "site" / "playbooks").mkdir(parents=True)
    playbook = tmp_path / "site" / "playbooks" / "play.yml"
    playbook.write_text(text)
    inventory = tmp_path / "hosts.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, **variables}
    inventory.write_text(json.dumps({"all": {**hosts, "vars": local}}))
    return playbook, inventory


def _site(tmp_path: Path, endpoint: str, sha256: str) -> tuple[Path, Path]:
    return _local_play(
        tmp_path,
        PLAY,
        {"hosts": {"node": {}}},
        dest=str(tmp_path / "fetched"),
        regionkit_mirror_endpoint=endpoint,
        regionkit_mirror_bucket=BUCKET,
        regionkit_artifacts={"sdk@1": {"key": "artifacts/sdk-1.run", "sha256": sha256, "version": "1", "filename": "sdk-1.run"}},
    )


def _everything_under(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.parametrize("tampered", [False, True], ids=["download", "refused-download"])
def test_a_presigned_download_leaves_no_credential_anywhere(
    s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tampered: bool
) -> None:
    monkeypatch.setenv("REGIONKIT_ANSIBLE_STRATEGY", "linear")
    _client(s3).put_object(Bucket=BUCKET, Key="artifacts/sdk-1.run", Body=ARTIFACT)
    pinned = hashlib.sha256(b"something else" if tampered else ARTIFACT).hexdigest()
    playbook, inventory = _site(tmp_path, s3, pinned)
    (tmp_path / "catalog").mkdir()
    workspace = Workspace(tmp_path / "catalog")
    seen: list[bytes] = []
    env = {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET}
    result = run_playbook(workspace, "lab", playbook, inventory, env=env, on_event=lambda *_: seen.extend(command_lines()))
    host = result.hosts["node"]
    if tampered:
        assert host.failed and "artifact sdk@1" in " ".join(host.messages)  # the operator still learns which
    else:
        assert not host.failed and (tmp_path / "fetched").read_bytes() == ARTIFACT
    recorded = _everything_under(workspace.root)
    for needle in (SECRET, ACCESS, "X-Amz-Signature", "X-Amz-Credential"):
        assert needle.encode() not in recorded, f"{needle} is in the run's files"
    assert not [c for c in seen if SECRET.encode() in c]


def test_a_run_killed_before_it_was_scrubbed_is_scrubbed_by_the_next(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    command = workspace.root / "runs" / "lab-20261206T000000.000Z" / "artifacts" / "x" / "command"
    workspace.write(command, json.dumps({"command": ["ansible-playbook"], "cwd": "/", "env": {"AWS_SECRET_ACCESS_KEY": SECRET}}))
    assert scrub_recorded_environments(workspace) == 1
    kept = json.loads(command.read_text())
    assert kept["env"] == {"AWS_SECRET_ACCESS_KEY": NOT_KEPT} and kept["command"] == ["ansible-playbook"]
    assert scrub_recorded_environments(workspace) == 0


def test_the_lab_state_is_private_on_every_save(tmp_path: Path) -> None:
    """The state holds the mirror's secret key: 0600 on the first save and every one after, even
    with a umask that would open it, in a 0700 folder, with no temp file left beside it."""
    from regionkit.adapters.lab.hosts import LabPaths, _save

    paths = LabPaths(Workspace(tmp_path))
    old = os.umask(0)
    try:
        for n in range(3):
            _save(paths, {"s3": {"secret_key": SECRET}, "save": n})
            assert stat.S_IMODE(paths.state_file.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert stat.S_IMODE(paths.state_dir.stat().st_mode) == 0o700
    assert [p.name for p in paths.state_dir.iterdir()] == ["state.json"]


def _profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials only in a shared credentials file's profile, with a session token."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[mirror]\naws_access_key_id = {ACCESS}\naws_secret_access_key = {SECRET}\naws_session_token = TOKEN123\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_PROFILE", "mirror")


def test_the_mirror_client_signs_with_botocores_own_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_PROFILE and a session token work: the URL is signed with the profile's key and carries
    its token, as botocore's own chain finds them (no empty key, no token dropped)."""
    pytest.importorskip("boto3")
    from urllib.parse import parse_qs, urlparse

    from regionkit.adapters.storage.s3 import MirrorEndpoint, presigned_url

    _profile(tmp_path, monkeypatch)
    url = presigned_url(MirrorEndpoint("http://127.0.0.1:9", BUCKET, "eu-central-1"), "artifacts/x.run")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Credential"][0].startswith(f"{ACCESS}/") and "/eu-central-1/s3/" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Security-Token"] == ["TOKEN123"]


def test_no_credentials_anywhere_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("boto3")
    from regionkit.adapters.storage.s3 import MirrorEndpoint, client
    from regionkit.errors import BadInputError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup off this machine
    with pytest.raises(BadInputError, match="no credentials"):
        client(MirrorEndpoint("http://127.0.0.1:9", BUCKET))


REGISTER = """
- name: Register
  hosts: all
  gather_facts: false
  roles:
    - role: node_registration
"""
CODE = "a-CANARY-ACTIVATION-" + "7e" * 12


@pytest.mark.parametrize("service", ["ssm-check", "cloud-assistant"])
def test_an_activation_code_in_the_runs_environment_leaves_no_trace_in_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    """What bootstrap does with an activation (services/registration.py): the code in the runner's
    environment only; the real node_registration role run by ansible-runner on a local host, with a
    stand-in agent. No event, artifact or file of the run holds the code; the agent received it."""
    monkeypatch.setenv("REGIONKIT_ANSIBLE_STRATEGY", "linear")
    check = service == "ssm-check"  # ssm's restart handler needs systemd: check mode exercises ssm's path without it
    name = "ssm" if check else service
    agent, log = tmp_path / "agent", tmp_path / "agent.log"
    agent.write_text(f'#!/bin/sh\necho "$@" >> {log}\nmkdir -p {tmp_path}/reg\ntouch {tmp_path}/reg/done\n')
    agent.chmod(0o755)
    agents = {name: {"binary": str(agent), "registered": str(tmp_path / "reg" / "done")}}
    pools = {"children": {"fra_a_gpu": {"hosts": {"node": {}}}}}
    playbook, inventory = _local_play(tmp_path, REGISTER, pools, node_registration_agents=agents)
    (tmp_path / "catalog").mkdir()
    workspace = Workspace(tmp_path / "catalog")
    pool = {
        "service": name,
        "region": "eu-central-1",
        "per_activation": 8,
        "activations": [{"activation_id": "ID-1", "activation_code": CODE}],
    }
    env = {"REGIONKIT_NODE_ACTIVATIONS": json.dumps({"fra_a_gpu": pool})}
    result = run_playbook(workspace, "de-fra-1", playbook, inventory, check=check, diff=check, env=env)
    host = result.hosts["node"]
    assert not host.failed and host.changed == 1, host.messages
    assert CODE.encode() not in _everything_under(workspace.root)
    assert CODE not in json.dumps([t.__dict__ for t in host.tasks]) + " ".join(host.messages)
    if not check:
        assert CODE in log.read_text()
