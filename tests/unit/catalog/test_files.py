"""The one hardened reader (catalog/files.py), class by class: what is not a regular file, links,
sizes that lie, YAML that nests, expands, tags or keys its way out of being data, and JSON's
equivalents. Each answer is one FileProblem line naming the file, never another exception, and
never a wait."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionkit.catalog import files

# A generous guard against exponential blow-ups and hangs, not a benchmark (tests/benchmarks is).
NO_HANG_S = 5.0


def _problem(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(files.FileProblem) as info:
        call(*args, **kwargs)
    assert time.monotonic() - started < NO_HANG_S
    text = str(info.value)
    assert "\n" not in text
    return text


# --- what is not a regular file ---------------------------------------------------------------


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "is a folder" in _problem(files.read_bytes, tmp_path, "x.yml")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "region.yml"
    os.mkfifo(fifo)
    done: list[str] = []
    reader = threading.Thread(target=lambda: done.append(_problem(files.read_bytes, fifo)), daemon=True)
    reader.start()
    reader.join(NO_HANG_S)
    assert done and "named pipe" in done[0]  # no writer ever opens it: a blocking open would hang here


def test_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "policy.yml"
    link.symlink_to("/dev/zero")
    assert "is a device" in _problem(files.read_bytes, link)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert "is a socket" in _problem(files.read_bytes, path)


def test_a_missing_file_is_its_own_kind(tmp_path: Path) -> None:
    with pytest.raises(files.MissingFile, match="file is missing"):
        files.read_bytes(tmp_path / "nope.yml")


def test_a_path_through_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert "a folder on its path is a file" in _problem(files.read_bytes, tmp_path / "f" / "region.yml")


# --- links -----------------------------------------------------------------------------------


def test_a_dangling_link_says_where_it_points(tmp_path: Path) -> None:
    link = tmp_path / "region.yml"
    link.symlink_to(tmp_path / "gone.yml")
    assert "which does not exist" in _problem(files.read_bytes, link)


def test_a_looping_link_is_named(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert "loops" in _problem(files.read_bytes, tmp_path / "a")


def test_a_link_out_of_the_catalog_is_refused_before_reading(tmp_path: Path) -> None:
    inv = tmp_path / "inventories"
    inv.mkdir()
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = CANARY\n")
    (inv / "region.yml").symlink_to(secret)
    text = _problem(files.read_text, inv / "region.yml", "inventories/region.yml", inside=inv)
    assert "outside" in text and "CANARY" not in text


def test_a_link_inside_the_catalog_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yml").write_text("a: 1\n")
    (tmp_path / "link.yml").symlink_to("real.yml")
    assert files.read_yaml(tmp_path / "link.yml", inside=tmp_path) == {"a": 1}


def test_a_file_regionkit_writes_is_never_read_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.json").write_text("{}")
    (tmp_path / "state.json").symlink_to(tmp_path / "elsewhere.json")
    assert "symbolic link" in _problem(files.read_json, tmp_path / "state.json", follow=False)


# --- permissions -----------------------------------------------------------------------------


def test_an_unreadable_file_is_named(tmp_path: Path, as_unprivileged) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "policy.yml"
    target.write_text("a: 1\n")
    target.chmod(0)
    out = as_unprivileged(f"from regionkit.catalog import files; files.read_bytes(__import__('pathlib').Path({str(target)!r}))")
    assert "permission denied" in out


def test_a_file_in_an_unreadable_folder_is_named(tmp_path: Path, as_unprivileged) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inventories"
    folder.mkdir()
    (folder / "policy.yml").write_text("a: 1\n")
    folder.chmod(0)
    try:
        out = as_unprivileged(
            f"from regionkit.catalog import files; files.read_bytes(__import__('pathlib').Path({str(folder / 'policy.yml')!r}))"
        )
    finally:
        folder.chmod(0o700)
    assert "permission denied" in out


# --- sizes -----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "region.yml"
    big.write_bytes(b"#" * 2048)
    assert "over the 1024 byte limit" in _problem(files.read_bytes, big, limit=1024)


def test_the_limit_holds_for_a_file_that_reports_no_size() -> None:
    """/proc files say they are 0 bytes long; the reader stops at limit + 1 whatever stat says."""
    status = Path("/proc/self/status")
    assert os.stat(status).st_size == 0
    assert "over the 64 byte limit" in _problem(files.read_bytes, status, limit=64)


def test_bad_utf8_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "x.yml").write_bytes(b"a: 1\nb: \xff\n")
    assert "x.yml:2: byte 0xff is not UTF-8" in _problem(files.read_text, tmp_path / "x.yml")


# --- YAML ------------------------------------------------------------------------------------


LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]\n" for i in range(1, 10)
)
UNDER_A_FIELD = "zones:\n  - id: nl-ams-1a\n    network:\n      management: &m [10, 11]\n      bmc: *m\n"
# the same bomb thirty levels down, under real-looking keys
DEEP_BOMB = "a:\n" + "".join("  " * (i + 1) + f"b{i}:\n" for i in range(30))
DEEP_BOMB += "".join("  " * 31 + line + "\n" for line in LAUGHS.splitlines())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
        ("a: " + "[" * 200 + "]" * 200 + "\n", "nests more than 64 levels"),
        ("a:\n" + "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(1, 120)), "nests more than 64 levels"),
        (LAUGHS, "anchor (&a) is not allowed"),
        (UNDER_A_FIELD, "anchor (&m) is not allowed"),
        (DEEP_BOMB, "anchor (&a) is not allowed"),
        ("a: *nothing\n", "alias"),
        ("a: !!python/object/apply:os.system ['touch /tmp/x']\n", "the tag !!python/object/apply:os.system is not allowed"),
        ("a: !!python/name:os.system\n", "is not allowed"),
        ("a: !!binary aGVsbG8=\n", "the tag !!binary is not allowed"),
        ("a: !!str 1\n", "the tag !!str is not allowed"),
        ("a: !unsafe '{{ x }}'\n", "the tag !unsafe is not allowed"),
        ("a: !foo bar\n", "the tag !foo is not allowed"),
        ("a: ! bar\n", "the tag ! is not allowed"),
        ("? [a, b]\n: 1\n", "a key is a list"),
        ("? {a: 1}\n: 1\n", "a key is a list"),
        ("{[1]: 2}\n", "a key is a list"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("since: 2025-13-45\n", "cannot read the value '2025-13-45'"),
        ("n: " + "9" * 5000 + "\n", "cannot read the value"),
        ("a: 1\n---\nb: 2\n", "malformed YAML"),
        ("a: [1, 2\n", "malformed YAML"),
        ("a: b: c\n", "malformed YAML"),
        ("a: '\x07'\n", "malformed YAML"),
        ("a: 1\n\x1b[2J: 2\n", "malformed YAML"),
    ],
    ids=lambda v: v[:30] if isinstance(v, str) else v,
)
def test_catalog_yaml_is_refused_in_one_located_line(text: str, says: str) -> None:
    assert says in _problem(files.parse_yaml, text, "inventories/x.yml")


def test_no_tag_ever_builds_an_object(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(files.FileProblem):
        files.parse_yaml(f"a: !!python/object/apply:os.system ['touch {marker}']\n", "x.yml", tags=("!unsafe",))
    assert not marker.exists()


@pytest.mark.parametrize("text", [LAUGHS, DEEP_BOMB], ids=["laughs", "deep"])
def test_where_aliases_are_allowed_their_expansion_is_bounded(text: str) -> None:
    assert "values through aliases" in _problem(files.parse_yaml, text, "group_vars/all/lab.yml", anchors=True)


def test_where_aliases_are_allowed_a_modest_one_is_read() -> None:
    assert files.parse_yaml(UNDER_A_FIELD, "x.yml", anchors=True)["zones"][0]["network"]["bmc"] == [10, 11]


def test_an_alias_to_itself_is_refused_where_aliases_are_allowed() -> None:
    assert "refers to itself" in _problem(files.parse_yaml, "a: &x [1, *x]\n", "x.yml", anchors=True)


def test_an_allowed_tag_is_read() -> None:
    assert files.parse_yaml("a: !unsafe '{{ x }}'\n", "hosts.yml", tags=("!unsafe",)) == {"a": "{{ x }}"}


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": -Infinity}', "Infinity"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ("[" * 100_000 + "]" * 100_000, "malformed JSON"),
        ("[" * 100 + "]" * 100, "nests more than 64 levels"),
        ("9" * 5000, "malformed JSON"),
        ('{"a": ', "malformed JSON"),
        ("", "malformed JSON"),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else v,
)
def test_json_is_refused_in_one_line(text: str, says: str) -> None:
    assert says in _problem(files.parse_json, text, ".regionkit/outputs/x.json")


# --- never another exception -------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(alphabet="{}[]:,-?&*!|>'\"#% \n\tab1.", max_size=200))
def test_parsers_answer_any_input_with_data_or_one_line(data: bytes | str) -> None:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    for parse in (files.parse_yaml, files.parse_json):
        try:
            parse(text, "x")
        except files.FileProblem as exc:
            assert "\n" not in str(exc)
