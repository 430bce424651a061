"""The Automation API wrapper against a fake `pulumi` command (tests/fixtures/fake_pulumi): it
opens stacks without creating them, creates one only through `init_stack`, writes the committed
stack file's secrets material once and never again, previews before it updates, and leaves
protected resources on destroy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from regionkit.adapters.pulumi import engine
from regionkit.errors import BadInputError, EngineMissingError, RegionkitError

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EVENTS = REPO / "tests" / "fixtures" / "pulumi_events"
SALT = "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n"
REGION = "nl-ams-1"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[engine.EngineSettings, Path]:
    """A copy of the Pulumi project whose stack files are as shipped (no salt), and a backend with no stacks."""
    shutil.copytree(REPO / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    log = tmp_path / "pulumi.log"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("FAKE_PULUMI_STACKS", str(tmp_path / "stacks.txt"))
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / "preview_create.jsonl"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    return engine.EngineSettings(root=tmp_path, pulumi_root=str(FAKE), stacks=tmp_path / "stacks"), log


@pytest.fixture
def fake(fresh: tuple[engine.EngineSettings, Path]) -> tuple[engine.EngineSettings, Path]:
    """A deployed stack: it exists in the backend and its salt is committed in the stack file."""
    settings, log = fresh
    (settings.root / "stacks.txt").write_text(f"{REGION}\n")
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    stack_file.write_text(stack_file.read_text() + SALT)
    return settings, log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def ran(log: Path, word: str) -> list[list[str]]:
    return [c for c in calls(log) if word in c]


def test_preview_passes_policy_pack_stack_and_event_log(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    result = engine.run_operation(settings, REGION, "preview", {"required-tags": {"region": REGION}})
    (preview,) = ran(log, "preview")
    assert preview[preview.index("--policy-pack") + 1] == str(settings.stacks_dir / "policy")
    config = Path(preview[preview.index("--policy-pack-config") + 1])
    assert json.loads(config.read_text()) == {"required-tags": {"region": REGION}}
    assert preview[preview.index("--stack") + 1] == REGION and "--event-log" in preview
    assert result.changes == {"create": 88} and result.changed == 88


def test_preview_refresh_is_passed_through(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    engine.run_operation(settings, REGION, "preview", {}, refresh=True)
    assert "--refresh" in ran(log, "preview")[0]


def test_no_change_preview_reports_only_same(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = fake
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / "preview_nochange.jsonl"))
    result = engine.run_operation(settings, REGION, "preview", {})
    assert result.changes == {"same": 88} and result.changed == 0


def test_up_reads_summary_and_outputs(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, log = fake
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": REGION, "mirror": {"bucket": "b"}}))
    monkeypatch.setenv("FAKE_PULUMI_OUTPUTS", str(outputs))
    monkeypatch.setenv("FAKE_PULUMI_CHANGES", '{"create": 88, "same": 2}')
    result = engine.run_operation(settings, REGION, "up", {})
    up = ran(log, "up")[0]
    assert "--yes" in up and "--policy-pack" in up
    assert result.changes == {"create": 88, "same": 2}
    assert result.outputs["mirror"] == {"bucket": "b"}
    assert not ran(log, "init")  # the stack existed


def test_destroy_leaves_protected_resources(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    engine.run_operation(settings, REGION, "destroy", {})
    assert "--exclude-protected" in ran(log, "destroy")[0]


def test_default_backend_is_a_local_file_backend(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, _ = fake
    assert settings.backend_url == f"file://{settings.root / '.regionkit' / 'state'}"
    assert (settings.root / ".regionkit" / "state").is_dir()


def test_s3_backend_is_accepted_and_junk_is_refused(tmp_path: Path) -> None:
    url = "s3://state?endpoint=oss-eu-central-1.aliyuncs.com&region=eu-central-1"
    assert engine.EngineSettings(tmp_path, backend=url).backend_url == url
    with pytest.raises(BadInputError, match="not a state backend URL"):
        _ = engine.EngineSettings(tmp_path, backend="ftp://x").backend_url


def test_engine_failure_is_one_line_with_the_engine_error(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = fake
    monkeypatch.setenv("FAKE_PULUMI_EXIT", "255")
    monkeypatch.setenv("FAKE_PULUMI_STDERR", "error: preview failed: policy violations")
    with pytest.raises(RegionkitError, match="pulumi preview nl-ams-1 failed: error: preview failed: policy violations"):
        engine.run_operation(settings, REGION, "preview", {})


def test_missing_cli_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineMissingError, match="install the Pulumi CLI"):
        engine.require_cli(engine.EngineSettings(tmp_path))


def test_missing_passphrase_is_bad_input(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = fake
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    with pytest.raises(BadInputError, match="PULUMI_CONFIG_PASSPHRASE"):
        engine.open_stack(settings, REGION)


# --- opening without creating ----------------------------------------------------------------


def test_open_stack_never_creates_a_missing_stack(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    before = stack_file.read_bytes()
    with pytest.raises(engine.StackNotDeployedError, match="nl-ams-1: not deployed"):
        engine.open_stack(settings, REGION)
    assert [[w for w in c if w in ("select", "init")] for c in calls(log) if "stack" in c] == [["select"]]
    assert not ran(log, "init") and stack_file.read_bytes() == before
    assert not any("--secrets-provider" in c for c in calls(log))


def test_is_deployed_answers_without_writing(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    assert engine.is_deployed(settings, REGION) is False
    (settings.root / "stacks.txt").write_text(f"{REGION}\n")
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    stack_file.write_text(stack_file.read_text() + SALT)
    assert engine.is_deployed(settings, REGION) is True
    assert not ran(log, "init")


def test_drift_preview_of_a_never_applied_region_is_not_deployed(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    found = engine.drift_preview(settings, REGION)
    assert found.deployed is False and found.steps == [] and found.errors == []
    assert not ran(log, "preview") and not ran(log, "init")


@pytest.mark.parametrize("operation", ["preview", "refresh", "destroy"])
def test_operations_other_than_up_refuse_a_missing_stack(fresh: tuple[engine.EngineSettings, Path], operation: str) -> None:
    settings, log = fresh
    with pytest.raises(engine.StackNotDeployedError, match="regionkit up nl-ams-1"):
        engine.run_operation(settings, REGION, operation, {})
    assert not ran(log, "init") and not ran(log, operation)


def test_stack_outputs_of_a_missing_stack_is_not_deployed(fresh: tuple[engine.EngineSettings, Path]) -> None:
    with pytest.raises(engine.StackNotDeployedError):
        engine.stack_outputs(fresh[0], REGION)


# --- the committed secrets material ----------------------------------------------------------


def test_init_writes_the_salt_once_and_says_commit(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    first = engine.init_stack(settings, REGION, "passphrase")
    assert first.created and first.wrote_material and "commit Pulumi.nl-ams-1.yaml" in first.note
    (init,) = ran(log, "init")
    assert init[init.index("--secrets-provider") + 1] == "passphrase"
    written = stack_file.read_bytes()
    assert b"encryptionsalt:" in written
    again = engine.init_stack(settings, REGION, "passphrase")
    assert not again.created and again.note == "" and stack_file.read_bytes() == written
    assert len(ran(log, "init")) == 1


def test_init_in_a_new_backend_reuses_the_committed_salt(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, _ = fresh
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    stack_file.write_text(stack_file.read_text() + SALT)
    before = stack_file.read_bytes()
    made = engine.init_stack(settings, REGION, "passphrase")
    assert made.created and not made.wrote_material and stack_file.read_bytes() == before


def test_init_refuses_a_provider_the_stack_file_does_not_declare(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    with pytest.raises(BadInputError, match="secretsprovider is passphrase, the catalog says awskms://alias/x"):
        engine.init_stack(settings, REGION, "awskms://alias/x?region=eu-central-1")
    assert not ran(log, "init")


def test_a_cloud_kms_provider_needs_no_passphrase_and_writes_its_key(
    fresh: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, log = fresh
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    provider = "awskms://alias/regionkit-nl-ams-1?region=eu-central-1"
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    stack_file.write_text(stack_file.read_text().replace("secretsprovider: passphrase", f"secretsprovider: {provider}"))
    made = engine.init_stack(settings, REGION, provider)
    assert made.wrote_material and "encryptedkey:" in stack_file.read_text()
    engine.run_operation(settings, REGION, "preview", {})
    assert ran(log, "preview")


def test_an_existing_stack_without_its_committed_salt_is_refused(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    (settings.root / "stacks.txt").write_text(f"{REGION}\n")  # deployed from another checkout
    with pytest.raises(BadInputError, match="no encryptionsalt"):
        engine.run_operation(settings, REGION, "up", {})
    assert not ran(log, "up") and not ran(log, "init")


def test_an_operation_that_rewrites_the_stack_file_is_caught_and_undone(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = fake
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    before = stack_file.read_bytes()
    monkeypatch.setenv("FAKE_PULUMI_REWRITE_STACK_FILE", "1")
    with pytest.raises(RegionkitError, match="rewrote the committed stack file"):
        engine.run_operation(settings, REGION, "preview", {})
    assert stack_file.read_bytes() == before


def test_ordinary_runs_leave_the_stack_file_byte_for_byte(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    stack_file = settings.stacks_dir / f"Pulumi.{REGION}.yaml"
    before = stack_file.read_bytes()
    for operation in ("preview", "up", "refresh", "destroy"):
        engine.run_operation(settings, REGION, operation, {})
    engine.drift_preview(settings, REGION)
    assert stack_file.read_bytes() == before
    assert not any("--secrets-provider" in c for c in calls(log))


# --- preview, then ask, then up ----------------------------------------------------------------


def test_preview_then_up_asks_with_the_preview_and_stops_on_no(fresh: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fresh
    asked: list[engine.EngineResult] = []
    result = engine.preview_then_up(settings, REGION, {}, lambda p: asked.append(p) or False, "passphrase")
    assert [a.changes for a in asked] == [{"create": 88}]
    assert result.init.created and not result.confirmed and result.up is None
    assert ran(log, "preview") and not ran(log, "up")


def test_preview_then_up_runs_the_update_on_yes(fresh: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, log = fresh
    monkeypatch.setenv("FAKE_PULUMI_CHANGES", '{"create": 88}')
    result = engine.preview_then_up(settings, REGION, {}, lambda p: True, "passphrase")
    assert result.confirmed and result.up is not None and result.up.changes == {"create": 88}
    assert [w for c in calls(log) for w in c if w in ("init", "preview", "up")] == ["init", "preview", "up"]


def test_preview_then_up_asks_nothing_when_nothing_changes(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, log = fake
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / "preview_nochange.jsonl"))
    result = engine.preview_then_up(settings, REGION, {}, lambda p: pytest.fail("asked without changes"), "passphrase")
    assert result.up is None and not ran(log, "up")


def test_a_policy_violation_in_preview_stops_before_anything_is_created(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, log = fake
    monkeypatch.setenv("FAKE_PULUMI_EXIT", "255")
    monkeypatch.setenv("FAKE_PULUMI_STDERR", "error: preview failed: 1 mandatory policy violation")
    with pytest.raises(RegionkitError, match="mandatory policy violation"):
        engine.preview_then_up(settings, REGION, {}, lambda p: True, "passphrase")
    assert not ran(log, "up")
