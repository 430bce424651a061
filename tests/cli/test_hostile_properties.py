"""A property of the whole CLI, driven by Hypothesis: whatever a catalog holds and whatever is typed,
each command (validate, regions, plan, inventory --from plan, schema, health check, drift with the
fake pulumi, lab status, ...) ends with an exit code of the documented set {0, 1, 2, 3, 4}, no
traceback and no internal error, and writes nothing but its workspace (.regionkit/) and the
catalog's own rendered files (inventories/<region>/hosts.yml, group_vars/all/artifacts.yml).

Runtime is bounded: REGIONKIT_HYPOTHESIS_EXAMPLES examples (default 100, under a minute here);
set it higher for a longer hunt.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ..conftest import REPO, key_paths, run_cli

EXAMPLES = int(os.environ.get("REGIONKIT_HYPOTHESIS_EXAMPLES", "100"))
FAKE = REPO / "tests" / "fixtures" / "fake_pulumi"
EXIT_CODES = {0, 1, 2, 3, 4}
REGIONS = sorted(p.name for p in (REPO / "inventories").iterdir() if (p / "region.yml").is_file())
SHARED = ["accelerators.yml", "partners.yml", "policy.yml", "servers.yml", "clouds.yml", "policy.local.yml"]
BASE = {r: yaml.safe_load((REPO / "inventories" / r / "region.yml").read_text()) for r in ("nl-ams-1", "gb-lon-1", "de-fra-1")}

# --- values and texts a hostile or careless catalog holds ---------------------------------------

HOSTILE_TEXT = [
    "[/x]", "[bold]x[/]", "x[a-z]{2}", "\x1b[2J", "\x1b]0;t\x07", "\u202e", "\x9b", "{{ lookup('pipe','id') }}", "{% raw %}",
    "{#", "\x00", "\ud800", "a\nb", "", " ", "10.0.0.0/8", "0.0.0.0/0", "8.8.8.0/24", "198.18.0.0/15", "1e999", "nan",
    "-1", "2026-13-45", "x" * 5000, "../../etc/passwd", "/dev/zero", "é", "NO", "yes",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)

FILE_CONTENT = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n',
    "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "a: !!python/object/apply:os.system ['touch /tmp/regionkit-hypothesis-pwned']\n",
    "? [a]\n: 1\n",
    "key: x\nkey: y\n",
    "- list\n",
    "",
    "# only a comment\n",
    "\xff\xfe binary",
    "since: 2026-02-30\n",
    "n: " + "9" * 5000 + "\n",
    "a: b: c\n",
    "export_control: [{id: us-h20-licence, accelerators: [H20], operator_hq: ['*'], countries: ['*'], action: allow,\n"
    "  since: 2026-01-01, source: x}]\n",
    "power: {headroom_pct: .nan}\n",
    "jurisdictions: {EU: {countries: [DE, US], replication_may_leave: true, regimes: []}}\n",
]


PATHS = {r: key_paths(data) for r, data in BASE.items()}


@st.composite
def value_change(draw: st.DrawFn) -> Callable[[Path], None]:
    region = draw(st.sampled_from(sorted(BASE)))
    path = draw(st.sampled_from(PATHS[region]))
    value = draw(scalars)

    def apply(root: Path) -> None:
        data = copy.deepcopy(BASE[region])
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        (root / "inventories" / region / "region.yml").write_text(text, encoding="utf-8", errors="surrogatepass")

    return apply


@st.composite
def file_change(draw: st.DrawFn) -> Callable[[Path], None]:
    name = draw(st.sampled_from([*SHARED, *(f"{r}/region.yml" for r in BASE)]))
    kind = draw(st.sampled_from(["content", "fifo", "folder", "loop", "dangling", "device"]))
    content = draw(st.sampled_from(FILE_CONTENT))

    def apply(root: Path) -> None:
        path = root / "inventories" / name
        path.unlink(missing_ok=True)
        if kind == "content":
            path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "loop":
            path.symlink_to(path.name)
        elif kind == "dangling":
            path.symlink_to(root / "nowhere")
        else:
            path.symlink_to("/dev/zero")

    return apply


def _untouched(root: Path) -> None:
    return None


# half the examples keep the catalog whole, so that commands get as far as their engines
changes = st.one_of(st.just(_untouched), st.just(_untouched), value_change(), file_change())

# --- what is typed ------------------------------------------------------------------------------

# mostly what a user types (so commands get past their arguments and into the catalog), sometimes not
regions = st.one_of(st.sampled_from(REGIONS), st.sampled_from(REGIONS), st.sampled_from(HOSTILE_TEXT[:12]), st.text(max_size=8))
formats = st.one_of(st.sampled_from(["text", "json"]), st.sampled_from(["text", "json"]), st.sampled_from(["markdown", "[/x]", ""]))


@st.composite
def command(draw: st.DrawFn) -> list[str]:
    region = draw(regions)
    kind = draw(
        st.sampled_from(["validate", "validate-all", "regions", "plan", "inventory", "schema", "validators", "health", "drift", "lab"])
    )
    fmt = draw(formats)
    if kind == "validate":
        skip = draw(st.sampled_from([[], [], [], ["--skip", "net.overlap"], ["--skip", "[/x]"]]))
        return ["validate", region, "--format", fmt, *skip]
    if kind == "validate-all":
        return ["validate"]
    if kind == "regions":
        return ["regions", "--format", fmt]
    if kind == "plan":
        return ["plan", draw(st.sampled_from(["nl-ams-1", "gb-lon-1", "de-fra-1", region])), "--format", fmt]
    if kind == "inventory":
        return ["inventory", draw(st.sampled_from(["nl-ams-1", "gb-lon-1", region])), "--from", draw(st.sampled_from(["plan", "x"]))]
    if kind == "schema":
        return ["schema", draw(st.sampled_from(["region", "policy", "servers", region]))]
    if kind == "validators":
        return ["validators", "--format", fmt]
    if kind == "health":
        tools = ["nvidia-smi", "npu-smi", "rocm-smi", "nccl-tests", "kernel-log", "amd-smi", "dcgmi-diag", "bogus"]
        tool = draw(st.sampled_from(tools))
        return ["health", "check", "--tool", tool, "--format", fmt, "CAPTURE"]
    if kind == "drift":
        layers = draw(st.sampled_from(["cloud", "cloud", "cloud", "x", ""]))
        return ["drift", draw(st.sampled_from(["nl-ams-1", "nl-ams-1", region])), "--layers", layers, "--format", fmt]
    return ["lab", "status", "--format", fmt]


# --- the property -------------------------------------------------------------------------------


def _snapshot(base: Path, allowed: Callable[[Path], bool]) -> dict[str, tuple[int, int, int]]:
    found = {}
    for path in base.rglob("*"):
        if allowed(path):
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        # a folder's own times change when a file is written into it: its mode is what counts
        folder = path.is_dir() and not path.is_symlink()
        found[str(path)] = (info.st_mode, 0, 0) if folder else (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def _ours(root: Path) -> Callable[[Path], bool]:
    """What a command may write: its workspace, and the catalog's rendered files."""

    def allowed(path: Path) -> bool:
        rel = path.relative_to(root).parts if path.is_relative_to(root) else ()
        if rel[:1] == (".regionkit",):
            return True
        rendered = rel[-1:] == ("hosts.yml",) or rel[-3:] == ("group_vars", "all", "artifacts.yml")
        return len(rel) >= 3 and rel[0] == "inventories" and rendered

    return allowed


def _repo() -> dict[str, tuple[int, int, int]]:
    """The clone's own catalog and Pulumi project, which no example may touch."""
    catalog = _snapshot(REPO / "inventories", lambda p: p.name == "hosts.yml")
    return {**catalog, **_snapshot(REPO / "stacks", lambda p: "__pycache__" in p.parts)}


@pytest.fixture(scope="module")
def repo_before() -> dict[str, tuple[int, int, int]]:
    return _repo()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(change=changes, args=command(), capture=st.binary(max_size=400))
def test_any_catalog_and_any_arguments_end_in_a_documented_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    repo_before: dict[str, tuple[int, int, int]],
    change: Callable[[Path], None],
    args: list[str],
    capture: bytes,
) -> None:
    with tempfile.TemporaryDirectory(prefix="rk-hyp-") as tmp:
        base = Path(tmp)
        root = base / "site"
        shutil.copytree(REPO / "inventories", root / "inventories", ignore=shutil.ignore_patterns("hosts.yml", "policy.local.yml"))
        shutil.copytree(REPO / "stacks", root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
        stack = root / "stacks" / "Pulumi.nl-ams-1.yaml"
        stack.write_text(stack.read_text() + "encryptionsalt: v1:dGVzdA==:v1:dGVzdA==:dGVzdA==\n")
        (base / "capture.txt").write_bytes(capture)
        (base / "home").mkdir()
        change(root)
        monkeypatch.setenv("HOME", str(base / "home"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(base / "home" / ".cache"))
        monkeypatch.setenv("REGIONKIT_PULUMI_ROOT", str(FAKE))
        monkeypatch.setenv("FAKE_PULUMI_EVENTS", str(REPO / "tests/fixtures/pulumi_events/drift_property.jsonl"))
        monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "hypothesis-only")
        argv = ["--root", str(root), *[str(base / "capture.txt") if a == "CAPTURE" else a for a in args]]
        before = _snapshot(base, _ours(root))
        code, out, err = run_cli(argv)  # through the CLI's edge, as the console script runs it
        event(f"{args[0]} exit {code}")  # --hypothesis-show-statistics: how deep the examples got
        said = out + err
        assert code in EXIT_CODES, (argv, code, said[-2000:])
        assert "Traceback" not in said and "internal error" not in said, (argv, said[-2000:])
        assert _snapshot(base, _ours(root)) == before, argv
        assert not Path("/tmp/regionkit-hypothesis-pwned").exists()
    assert _repo() == repo_before
