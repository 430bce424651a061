"""Hostile input through the CLI: every file a command reads, the regions that overlap another,
the content regionkit ships gone missing, and text that looks like markup or carries control
characters. Each is one line (or one line per problem) and its exit code, never a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.commands.app import app
from regionkit.content import Content

from ..conftest import REPO, Edit, unprivileged

FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--root", str(root), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- every file a command reads, as something else than a file -----------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone")


def _loop(path: Path) -> None:
    path.symlink_to(path.name)


def _huge(path: Path) -> None:
    path.write_bytes(b"# padding\n" * 120_000)


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


def _nan(path: Path) -> None:
    path.write_text('{"region": NaN}' if path.suffix == ".json" else "a: .nan\nb: !!python/object:os.system {}\n")


BREAKS = {
    "fifo": (_fifo, "is a named pipe (FIFO)"),
    "folder": (_folder, "is a folder"),
    "device": (_device, "is a device"),
    "dangling-link": (_dangling, "which does not exist"),
    "looping-link": (_loop, "loops"),
    "over-the-limit": (_huge, "over the"),
    "binary": (_binary, "is not UTF-8"),
    "hostile-values": (_nan, ""),
}


def _replace_with(path: Path, breaks: str) -> None:
    path.unlink(missing_ok=True)
    BREAKS[breaks][0](path)


CATALOG_FILES = [
    "nl-ams-1/region.yml",
    "accelerators.yml",
    "partners.yml",
    "policy.yml",
    "servers.yml",
    "clouds.yml",
    "policy.local.yml",
]


@pytest.mark.parametrize("breaks", list(BREAKS))
@pytest.mark.parametrize("name", CATALOG_FILES)
def test_a_catalog_file_that_is_not_a_file_is_one_line_naming_it(catalog_root: Path, name: str, breaks: str) -> None:
    _replace_with(catalog_root / "inventories" / name, breaks)
    code, _, err = run(catalog_root, "validate")
    line = one_line(err)
    assert code == 4
    assert line.startswith(f"error: inventories/{name}") and BREAKS[breaks][1] in line


def validate_unprivileged(root: Path) -> subprocess.CompletedProcess[str]:
    command = unprivileged([sys.executable, "-m", "regionkit", "--root", str(root), "validate"])
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "cli")}, timeout=120)


def test_an_unreadable_catalog_file_is_one_line_naming_it(catalog_root: Path) -> None:
    (catalog_root / "inventories" / "partners.yml").chmod(0)
    proc = validate_unprivileged(catalog_root)
    assert proc.returncode == 4
    assert one_line(proc.stderr) == (
        "error: inventories/partners.yml: cannot be read: permission denied. Fix: check the file's mode and its folders' (ls -ld)"
    )


def test_an_unreadable_inventories_folder_is_one_line(catalog_root: Path) -> None:
    inv = catalog_root / "inventories"
    inv.chmod(0o300)  # can enter, cannot list
    try:
        proc = validate_unprivileged(catalog_root)
    finally:
        inv.chmod(0o755)
    assert proc.returncode == 4
    assert "inventories/: cannot be listed" in proc.stderr and "Traceback" not in proc.stderr


def test_a_catalog_file_linked_out_of_the_catalog_never_shows_its_text(catalog_root: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-secret.yml"
    outside.write_text("aws_secret_access_key: CANARY-OUTSIDE-THE-CATALOG\n")
    region = catalog_root / "inventories" / "nl-ams-1" / "region.yml"
    region.unlink()
    region.symlink_to(outside)
    code, out, err = run(catalog_root, "validate")
    assert code == 4 and "outside" in one_line(err)
    assert "CANARY" not in out + err


def test_a_region_folder_that_is_a_dangling_link_is_named(catalog_root: Path) -> None:
    (catalog_root / "inventories" / "zz-nop-1").symlink_to(catalog_root / "nowhere")
    code, _, err = run(catalog_root, "validate")
    assert code == 4 and "inventories/zz-nop-1: is a symbolic link to nothing" in one_line(err)


# --- the files regionkit keeps (stack outputs, the lab's state) and renders (hosts.yml) -------------


@pytest.mark.parametrize("breaks", [*BREAKS, "link-to-a-good-copy", "truncated", "not-outputs"])
def test_a_corrupt_stack_outputs_snapshot_is_one_line_naming_it(catalog_root: Path, breaks: str) -> None:
    outputs = catalog_root / ".regionkit" / "outputs" / "de-fra-1.json"
    outputs.parent.mkdir(parents=True)
    if breaks == "link-to-a-good-copy":
        (outputs.parent / "copy.json").write_text("{}")
        outputs.symlink_to("copy.json")
    elif breaks == "truncated":
        outputs.write_text('{"schema_version": 1, "region": "de-fra-1", "pools": [{"gro')
    elif breaks == "not-outputs":
        outputs.write_text('{"region": 7}')
    else:
        _replace_with(outputs, breaks)
    code, _, err = run(catalog_root, "bootstrap", "de-fra-1")
    line = one_line(err)
    assert code == 4
    assert ".regionkit/outputs/de-fra-1.json" in line and "regionkit inventory de-fra-1 --from stack" in line


@pytest.mark.parametrize("breaks", ["fifo", "folder", "binary", "hostile-values", "dangling-link", "truncated"])
def test_a_corrupt_lab_state_is_one_line_that_says_lab_down(catalog_root: Path, breaks: str) -> None:
    state = catalog_root / ".regionkit" / "lab" / "state.json"
    state.parent.mkdir(parents=True)
    if breaks == "truncated":
        state.write_text('{"region": "lab", "hosts": {"lab-a')
    else:
        _replace_with(state, breaks)
    code, _, err = run(catalog_root, "lab", "status")
    line = one_line(err)
    assert code == 4 and ".regionkit/lab/state.json" in line and "regionkit lab down" in line


@pytest.mark.parametrize("content", ["{{{ not yaml", "- [\n", "all: !!python/object:os.system {}\n", "\x00\x01\x02"])
def test_a_corrupt_rendered_inventory_is_rewritten_from_the_plan(catalog_root: Path, content: str) -> None:
    hosts = catalog_root / "inventories" / "gb-lon-1" / "hosts.yml"
    hosts.write_text(content)
    code, _, err = run(catalog_root, "inventory", "gb-lon-1")
    assert code == 0, err
    assert hosts.read_text().startswith("# Rendered by regionkit")


@pytest.mark.parametrize("breaks", ["fifo", "folder", "dangling-link"])
def test_a_rendered_inventory_that_is_not_a_file_is_never_written_through(catalog_root: Path, breaks: str) -> None:
    hosts = catalog_root / "inventories" / "gb-lon-1" / "hosts.yml"
    _replace_with(hosts, breaks)
    code, _, err = run(catalog_root, "inventory", "gb-lon-1")
    assert code == 1 and "is not a regular file" in one_line(err)
    assert not (catalog_root / "gone").exists()


def test_a_hostile_stack_file_is_one_line_naming_it(catalog_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "stacks", catalog_root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    (catalog_root / "stacks" / "Pulumi.nl-ams-1.yaml").write_text("config: !!python/object/apply:os.system ['id']\n")
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
    code, _, err = run(catalog_root, "preview", "nl-ams-1")
    assert code == 4 and "Pulumi.nl-ams-1.yaml:1: the tag !!python/object/apply:os.system is not allowed" in one_line(err)


# --- a region that overlaps another is refused by every command that acts on it ---------------------


@pytest.fixture
def overlapping(catalog_root: Path, edit: Edit) -> Path:
    """de-fra-1's supernet moved onto nl-ams-1's."""
    edit("de-fra-1", lambda d: d["network"].update(supernet="10.11.0.0/16"))
    return catalog_root


@pytest.mark.parametrize("region", ["nl-ams-1", "de-fra-1"])
@pytest.mark.parametrize("command", ["validate", "plan", "up", "inventory"])
def test_every_command_refuses_a_region_that_overlaps_another(
    overlapping: Path, monkeypatch: pytest.MonkeyPatch, command: str, region: str
) -> None:
    monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))  # `up` needs an engine before it validates
    code, out, err = run(overlapping, command, region, *(["--yes"] if command == "up" else []))
    assert code == 1
    other = "de-fra-1" if region == "nl-ams-1" else "nl-ams-1"
    said = out if command == "validate" else err  # validate's report is its output; the others refuse on stderr
    finding = rf"net.overlap inventories/{region}/region.yml:\d+: network.supernet = 10.11.0.0/16: overlaps {other}"
    assert re.search(finding, said), said
    assert not (overlapping / "inventories" / region / "hosts.yml").exists()


def test_a_suppressed_overlap_is_still_refused(overlapping: Path, edit: Edit) -> None:
    edit("nl-ams-1", lambda d: d.update(suppress=[{"validator": "net.overlap", "reason": "the partner routes it for us"}]))
    code, _, err = run(overlapping, "plan", "nl-ams-1")
    assert code == 1 and "net.overlap" in err and "schema.suppress" in err and "cannot be suppressed" in err


# --- the content regionkit ships --------------------------------------------------------------------


@pytest.mark.parametrize(("command", "folder"), [(["plan", "nl-ams-1"], "stacks"), (["bootstrap", "lab"], "playbooks")])
def test_a_missing_content_folder_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, catalog_root: Path, command: list[str], folder: str
) -> None:
    for name in ("stacks", "playbooks", "roles", "templates"):
        if name != folder:
            (tmp_path / "content" / name).mkdir(parents=True)
    monkeypatch.setattr("regionkit.services.session.content_root", lambda: Content(tmp_path / "content"))
    state = catalog_root / ".regionkit" / "lab"  # bootstrap lab: hosts from a lab that is up
    state.mkdir(parents=True)
    outputs = {"schema_version": 1, "region": "lab", "pools": [], "mirror": {"endpoint": "http://198.18.0.1:9000", "bucket": "b"}}
    lab_state = {"hosts": {"x": {}}, "outputs": outputs, "s3": {"access_key": "a", "secret_key": "b"}}
    (state / "state.json").write_text(json.dumps(lab_state))
    code, _, err = run(catalog_root, *command)
    assert code == 1
    missing = tmp_path / "content" / folder
    fix = "reinstall regionkit (pip install --force-reinstall)"
    assert one_line(err) == f"error: {missing}: regionkit's {folder}/ folder is missing; {fix}"


# --- text that looks like markup, and text that would drive the terminal ---------------------------


def test_a_pattern_message_prints_verbatim(catalog_root: Path) -> None:
    region = catalog_root / "inventories" / "nl-ams-1" / "region.yml"
    region.write_text(region.read_text().replace("key: nl-ams-1", "key: Amsterdam"))
    code, _, err = run(catalog_root, "validate")
    assert code == 4
    assert "String should match pattern '^(lab|[a-z]{2}-[a-z]{3}-[0-9]+)$'" in err


@pytest.mark.parametrize("key", ["[/x]", "[bold red]x[/]", "[/", "x[a-z]{2}"])
def test_markup_in_an_argument_prints_verbatim(key: str) -> None:
    code, _, err = run(REPO, "validate", key)
    assert code == 4 and f"unknown region {key!r}" in one_line(err)


@pytest.mark.parametrize("metro", ["[/x] stray", "[bold]loud[/bold]", ":thumbs_up:", "[link=http://x]y[/link]"])
def test_catalog_text_that_looks_like_markup_prints_verbatim_in_tables(catalog_root: Path, edit: Edit, metro: str) -> None:
    edit("nl-ams-1", lambda d: d.update(metro=metro))
    code, out, err = run(catalog_root, "regions")
    assert code == 0, err
    assert metro in out


@pytest.mark.parametrize(
    "hostile",
    ["\x1b]0;owned\x07", "\x1b[2J\x1b[H", "\u202eexe.txt", "\x9b31m", "a\rb"],
    ids=["osc-title", "clear-screen", "bidi", "c1-csi", "carriage-return"],
)
def test_control_characters_in_arguments_never_reach_the_terminal(tmp_path: Path, hostile: str) -> None:
    root = tmp_path / f"site{hostile}"
    root.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "regionkit", "--root", str(root), "validate", f"x{hostile}"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "cli")},
        timeout=120,
    )
    assert proc.returncode == 4
    err = proc.stderr.decode("utf-8", errors="replace")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", err), repr(err)
    assert "\\x1b" in err or "\\u202e" in err or "\\x9b" in err or "\\x0d" in err


# --- one root: the catalog validated is the catalog the stack program loads -------------------------


def test_the_program_loads_the_root_it_was_given_not_the_environments(
    catalog_root: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit("nl-ams-1", lambda d: d["network"].update(vpc="10.11.225.0/24"))
    monkeypatch.setenv("REGIONKIT_ROOT", str(REPO))  # another catalog, where the VPC is 10.11.224.0/24
    code, out, err = run(catalog_root, "plan", "nl-ams-1", "--format", "json")
    assert code == 0, err
    cidrs = {r["inputs"].get("cidrBlock") for r in json.loads(out)["resources"] if r["type"] == "alicloud:vpc/network:Network"}
    assert cidrs == {"10.11.225.0/24"}


def test_the_engine_hands_the_program_the_root_it_was_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from regionkit.adapters.pulumi import engine

    monkeypatch.setenv("REGIONKIT_ROOT", str(REPO))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")
    settings = engine.EngineSettings(root=tmp_path, pulumi_root=str(FAKE), stacks=REPO / "stacks")
    assert engine._workspace_options(settings, "passphrase").env_vars["REGIONKIT_ROOT"] == str(tmp_path)


def test_mirror_sync_validates_the_region_first(catalog_root: Path, edit: Edit) -> None:
    edit("de-fra-1", lambda d: d["network"].update(supernet="10.11.0.0/16"))
    code, _, err = run(catalog_root, "mirror", "sync", "nl-ams-1")
    assert code == 1 and "net.overlap" in err and "stop it being synced" in err
    assert not (catalog_root / ".regionkit").exists()  # refused before anything was read or written


@pytest.mark.parametrize("kind", ["dangling-link", "link-to-a-folder", "file", "full-folder"])
def test_init_never_writes_into_a_link_or_over_anything(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "site"
    if kind == "dangling-link":
        target.symlink_to(tmp_path / "nowhere")
    elif kind == "link-to-a-folder":
        (tmp_path / "elsewhere").mkdir()
        target.symlink_to(tmp_path / "elsewhere")
    elif kind == "file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["init", str(target)])
    assert result.exit_code == 4 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()
    assert not list((tmp_path / "elsewhere").glob("*")) if kind == "link-to-a-folder" else True
    assert [p.name for p in target.iterdir()] == ["notes.txt"] if kind == "full-folder" else True


@pytest.mark.parametrize("breaks", ["fifo", "folder", "binary", "hostile-values", "looping-link", "truncated"])
def test_a_corrupt_handover_record_is_one_line_naming_it(catalog_root: Path, breaks: str) -> None:
    """gb-lon-1's pools list servers: its inventory reads the handover record to hold back the rejected."""
    record = catalog_root / ".regionkit" / "handover" / "gb-lon-1.json"
    record.parent.mkdir(parents=True)
    if breaks == "truncated":
        record.write_text('{"region": "gb-lon-1", "servers": {"gb-lon-1a-h20-01": {"verd')
    else:
        _replace_with(record, breaks)
    code, _, err = run(catalog_root, "inventory", "gb-lon-1")
    line = one_line(err)
    assert code == 4 and ".regionkit/handover/gb-lon-1.json" in line and "regionkit handover gb-lon-1" in line
