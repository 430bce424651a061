"""The Automation API wrapper against a fake `pulumi` command (tests/fixtures/fake_pulumi)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regionkit.adapters.pulumi import engine
from regionkit.errors import BadInputError, EngineMissingError, RegionkitError

from ..conftest import REPO

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EVENTS = REPO / "tests" / "fixtures" / "pulumi_events"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[engine.EngineSettings, Path]:
    log = tmp_path / "pulumi.log"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / "preview_create.jsonl"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    return engine.EngineSettings(root=tmp_path, pulumi_root=str(FAKE)), log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_preview_passes_policy_pack_stack_and_event_log(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    result = engine.run_operation(settings, "nl-ams-1", "preview", {"required-tags": {"region": "nl-ams-1"}})
    (preview,) = [c for c in calls(log) if "preview" in c]
    assert preview[preview.index("--policy-pack") + 1] == str(settings.stacks_dir / "policy")
    config = Path(preview[preview.index("--policy-pack-config") + 1])
    assert json.loads(config.read_text()) == {"required-tags": {"region": "nl-ams-1"}}
    assert preview[preview.index("--stack") + 1] == "nl-ams-1" and "--event-log" in preview
    assert result.changes == {"create": 88} and result.changed == 88


def test_preview_refresh_is_passed_through(fake: tuple[engine.EngineSettings, Path]) -> None:
    settings, log = fake
    engine.run_operation(settings, "nl-ams-1", "preview", {}, refresh=True)
    assert "--refresh" in next(c for c in calls(log) if "preview" in c)


def test_no_change_preview_reports_only_same(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = fake
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(EVENTS / "preview_nochange.jsonl"))
    result = engine.run_operation(settings, "nl-ams-1", "preview", {})
    assert result.changes == {"same": 88} and result.changed == 0


def test_up_reads_summary_and_outputs(
    fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, log = fake
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "nl-ams-1", "mirror": {"bucket": "b"}}))
    monkeypatch.setenv("FAKE_PULUMI_OUTPUTS", str(outputs))
    monkeypatch.setenv("FAKE_PULUMI_CHANGES", '{"create": 88, "same": 2}')
    result = engine.run_operation(settings, "nl-ams-1", "up", {})
    up = next(c for c in calls(log) if "up" in c)
    assert "--yes" in up and "--policy-pack" in up
    assert result.changes == {"create": 88, "same": 2}
    assert result.outputs["mirror"] == {"bucket": "b"}


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
        engine.run_operation(settings, "nl-ams-1", "preview", {})


def test_missing_cli_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineMissingError, match="install the Pulumi CLI"):
        engine.require_cli(engine.EngineSettings(tmp_path))


def test_missing_passphrase_is_bad_input(fake: tuple[engine.EngineSettings, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = fake
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    with pytest.raises(BadInputError, match="PULUMI_CONFIG_PASSPHRASE"):
        engine.open_stack(settings, "nl-ams-1")
