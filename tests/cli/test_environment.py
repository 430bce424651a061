"""The world around a command: its output closed, full or gone away, a disk that fills up while it
writes, a report target that is a link or read-only, ^C at any moment, an engine that dies before
it has said what it did. One line, or none where none is wanted; the documented exit code; nothing
half-written; never a traceback or a hang."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app, run
from regionkit.errors import RegionkitError
from regionkit.workspace import Workspace, check_output, write_output

from ..conftest import REPO, run_cli

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
SALT = "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n"


def regionkit(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(REPO), *args], text=True, env=ENV, timeout=300, **kwargs
    )  # fmt: skip


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and "Exception ignored" not in text, text


# --- standard output ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["regions"], ["validate"], ["validate", "--format", "json"], ["schema"], ["validators"]])
def test_a_reader_that_goes_away_ends_it_quietly(args: list[str]) -> None:
    """`regionkit regions | head -1`: the reader has gone before the first write (EPIPE)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionkit", "--root", str(REPO), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert err == b""


def test_head_of_a_long_output_exits_quietly() -> None:
    command = f"{sys.executable} -m regionkit --root {REPO} validators | head -1"
    proc = subprocess.run(command, shell=True, capture_output=True, text=True, env=ENV, timeout=300)
    assert proc.stdout.count("\n") == 1
    no_traceback(proc.stderr)
    assert proc.stderr == ""


@pytest.mark.parametrize("args", [["regions"], ["validate", "--format", "json"]])
def test_a_full_output_is_one_line(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = regionkit(*args, stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == ["error: cannot write to standard output: No space left on device"]


@pytest.mark.parametrize("args", [["regions"], ["validate", "--format", "json"], ["validate", "nope"]])
def test_a_closed_output_changes_nothing_but_what_is_seen(args: list[str]) -> None:
    proc = regionkit(*args, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    no_traceback(proc.stderr)
    assert proc.returncode == (4 if "nope" in args else 0)


def test_a_closed_error_output_keeps_the_exit_code() -> None:
    proc = regionkit("validate", "nope", stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 4


# --- ^C at any moment ----------------------------------------------------------------------------

# The interpreter's own start-up, before regionkit's first line runs, is Python's: a ^C there is
# Python's KeyboardInterrupt. So each run waits until regionkit's own code runs (-X importtime
# reports `regionkit.commands`, the first import __main__ makes once it has taken SIGINT over),
# then waits a random delay: from 0 (the CLI's own imports, ~0.3 s) through loading and validating the catalog,
# the Pulumi program under the mock engine, and the output.
COMMANDS = [["validate"], ["regions", "--format", "json"], ["plan", "nl-ams-1"], ["plan", "--all", "--format", "json"]]


def started(args: list[str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "regionkit", "--root", str(REPO), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.rstrip().endswith(b"regionkit.commands"):
            return proc
    pytest.fail(f"regionkit {args} never started")


def interrupted(proc: subprocess.Popen[bytes], delay: float, what: str) -> tuple[int, str]:
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=90)  # a hang after ^C is a failure
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"regionkit {what} hung after ^C at {delay:.2f} s")
    text = "".join(ln for ln in err.decode(errors="replace").splitlines(keepends=True) if not ln.startswith("import time:"))
    return proc.returncode, text


@pytest.mark.slow
def test_an_interrupt_at_any_moment_is_130_without_a_traceback() -> None:
    rng = random.Random(19)
    seen = set()
    for _ in range(24):
        args = rng.choice(COMMANDS)
        delay = rng.uniform(0, 2.5)
        code, err = interrupted(started(args), delay, " ".join(args))
        no_traceback(err)
        assert code in (130, 0), (args, delay, code, err)  # 0: it had finished first
        assert err == "", err
        seen.add(code)
    assert 130 in seen


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2])
def test_an_interrupt_during_the_imports_is_130_and_silent(delay: float) -> None:
    assert interrupted(started(["plan", "--all"]), delay, "plan --all") == (130, "")


def test_an_interrupt_in_process_is_130() -> None:
    """run() in this process: a KeyboardInterrupt from a command becomes 130."""

    def interrupted() -> None:
        raise KeyboardInterrupt

    original = list(app.registered_commands)
    try:
        app.command("boom")(interrupted)
        assert run(["boom"]) == 130
    finally:
        app.registered_commands = original


# --- writes: a full disk, a link or a read-only file where a report goes --------------------------


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path)
    target = ws.write(tmp_path / "inventories" / "x" / "hosts.yml", "old\n")
    real_fsync = os.fsync

    def full(fd: int) -> None:
        real_fsync(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(RegionkitError, match=r"hosts.yml: cannot write it: No space left on device; nothing was written"):
        ws.write(target, "new\n" * 1000)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["hosts.yml"]


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="a real full disk needs a tmpfs: root and unshare")
def test_a_really_full_disk_is_one_line_naming_the_file(catalog_root: Path) -> None:
    """inventory writes hosts.yml into a region folder on a tmpfs that is full (a private mount
    namespace: the mount dies with the command)."""
    folder = catalog_root / "inventories" / "gb-lon-1"
    region = (folder / "region.yml").read_text()
    script = (
        f'mount -t tmpfs -o size=64k tmpfs "{folder}" && printf %s "$REGION" > "{folder}/region.yml" && '
        f'(dd if=/dev/zero of="{folder}/filler" bs=4k 2>/dev/null; true) && '
        f'{sys.executable} -m regionkit --root "{catalog_root}" inventory gb-lon-1; echo "rc=$?"; ls -a "{folder}"'
    )
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], capture_output=True, text=True,
                          env={**ENV, "REGION": region}, timeout=300)  # fmt: skip
    assert "rc=1" in proc.stdout, proc.stdout + proc.stderr
    said = f"error: {folder / 'hosts.yml'}: cannot write it: No space left on device; nothing was written"
    assert proc.stderr.strip().splitlines() == [said]
    assert "hosts.yml" not in proc.stdout and ".tmp" not in proc.stdout  # neither the file nor a temp file is left


def test_a_report_is_never_written_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    with pytest.raises(RegionkitError, match="is a symbolic link"):
        write_output(link, "{}")
    assert victim.read_text() == "keep me\n"


def test_a_link_planted_after_the_check_is_replaced_not_followed(tmp_path: Path) -> None:
    from regionkit.workspace import _replace

    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    _replace(link, "{}", 0o644)  # the rename replaces the link itself
    assert victim.read_text() == "keep me\n" and not link.is_symlink() and link.read_text() == "{}"


def test_a_read_only_report_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "drift.json"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(RegionkitError, match="is read-only"):
        check_output(target)
    assert target.read_text() == "old"


def test_a_read_only_folder_is_one_line(tmp_path: Path, as_unprivileged) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / "r.md"
    out = as_unprivileged(f"import pathlib, regionkit.workspace as w; w.write_output(pathlib.Path({str(target)!r}), 'x')")
    assert out.strip() == f"RegionkitError {folder / 'r.md'}: cannot write it: Permission denied"


@pytest.mark.parametrize("option", [["drift", "nl-ams-1", "--layers", "cloud", "--output"], ["verify", "lab", "--junit"]])
@pytest.mark.parametrize("target", ["link", "read-only", "folder"])
def test_report_options_refuse_a_bad_target_before_any_work(tmp_path: Path, option: list[str], target: str) -> None:
    path = tmp_path / "report"
    if target == "link":
        path.symlink_to(tmp_path / "elsewhere")
    elif target == "read-only":
        path.write_text("old")
        path.chmod(0o444)
    else:
        path.mkdir()
    result = CliRunner().invoke(app, ["--root", str(REPO), *option, str(path)])
    assert result.exit_code == 4
    assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr
    assert not (tmp_path / "elsewhere").exists()


# --- the Pulumi CLI dies before it has said what it did ------------------------------------------


@pytest.fixture
def engine_site(catalog_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A site whose nl-ams-1 stack exists (fake pulumi) with its salt committed."""
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = catalog_root / "stacks" / "Pulumi.nl-ams-1.yaml"
    stack_file.write_text(stack_file.read_text() + SALT)
    (tmp_path / "stacks.txt").write_text("nl-ams-1\n")
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    monkeypatch.setenv("FAKE_PULUMI_STACKS", str(tmp_path / "stacks.txt"))
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    return catalog_root


@pytest.mark.parametrize("death", ["kill", "quiet", "garbage"])
def test_an_engine_that_dies_before_its_summary_is_one_line(engine_site: Path, monkeypatch: pytest.MonkeyPatch, death: str) -> None:
    monkeypatch.setenv("FAKE_PULUMI_DIE", death)
    result = CliRunner().invoke(app, ["--root", str(engine_site), "preview", "nl-ams-1"])
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: pulumi preview nl-ams-1")
    assert ("killed (signal 9)" if death == "kill" else "ended without its summary") in lines[0]


def test_an_update_whose_history_is_torn_is_one_line(engine_site: Path, monkeypatch: pytest.MonkeyPatch, edit) -> None:  # type: ignore[no-untyped-def]
    edit("clouds.yml", lambda d: d["alicloud"]["eu-central-1"].update(kms_instance="kst-fra65f1c2e7d"))
    monkeypatch.setenv("FAKE_PULUMI_DIE", "history")
    monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(REPO / "tests/fixtures/pulumi_events/preview_create.jsonl"))
    result = CliRunner().invoke(app, ["--root", str(engine_site), "up", "nl-ams-1", "--yes"])
    assert result.exit_code == 1
    assert "ended without its summary" in result.stderr and "what it changed is unknown" in result.stderr


def test_drift_reports_an_engine_that_died_as_an_error_not_a_crash(engine_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PULUMI_DIE", "kill")
    result = CliRunner().invoke(app, ["--root", str(engine_site), "drift", "nl-ams-1", "--layers", "cloud", "--format", "json"])
    assert result.exit_code == 1
    assert "killed (signal 9)" in result.stdout


# --- arguments, through the edge the console script runs --------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["validate", "--format", "[/x]"], "Invalid value for '--format'"),
        (["--bogus"], "No such option: --bogus"),
        (["validate", "--skip"], "Option '--skip' requires an argument"),
        (["up"], "Missing argument 'REGION'"),
        (["health", "check", "--tool", "nccl-tests", "--floor-gbps", "nan", "x"], "--floor-gbps"),
        (["health", "check", "--tool", "nccl-tests", "--floor-gbps", "inf", "x"], "--floor-gbps inf: give a finite number"),
        (["verify", "lab", "--level", "9"], "Invalid value for '--level'"),
        (["lab", "up", "--nodes", "x" * 10_000], "Invalid value for '--nodes'"),
        (["nosuchcommand\x1b[2J"], "No such command"),
    ],
    ids=["format", "option", "no-value", "no-region", "nan", "inf", "level", "huge", "control"],
)
def test_bad_arguments_are_one_line_and_exit_4(args: list[str], says: str) -> None:
    code, out, err = run_cli(["--root", str(REPO), *args])
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and says in err and "\x1b" not in err
    no_traceback(out + err)


def test_a_bare_group_shows_its_help_and_nothing_on_stderr() -> None:
    proc = regionkit("lab", capture_output=True)
    assert proc.returncode == 4 and "Usage: regionkit lab" in proc.stdout and proc.stderr == ""


def test_bmc_pins_on_a_full_disk_stay_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from regionkit.adapters.redfish.pins import PinStore

    path = tmp_path / "bmc" / "pinned.json"
    PinStore(path).pin("10.19.4.11:443", "aa" * 32)
    real_replace = os.replace

    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(RegionkitError, match="cannot write the BMC pins: No space left on device; nothing was written"):
        PinStore(path).pin("10.19.4.12:443", "bb" * 32)
    monkeypatch.setattr(os, "replace", real_replace)
    assert PinStore(path).get("10.19.4.11:443") == "aa" * 32 and PinStore(path).get("10.19.4.12:443") is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["pinned.json"]


@pytest.mark.parametrize("planted", ["link", "fifo", "huge"])
def test_bmc_pins_that_are_not_a_file_are_one_line(tmp_path: Path, planted: str) -> None:
    from regionkit.adapters.redfish.pins import PinStore
    from regionkit.catalog.files import FileProblem

    path = tmp_path / "pinned.json"
    if planted == "link":
        (tmp_path / "attacker").write_text("10.19.4.11:443 sha256:" + "00" * 32 + "\n")
        path.symlink_to(tmp_path / "attacker")
    elif planted == "fifo":
        os.mkfifo(path)
    else:
        path.write_text("x" * (2 * 1024 * 1024))
    with pytest.raises(FileProblem):
        PinStore(path)
