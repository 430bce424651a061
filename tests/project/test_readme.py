"""The README stays true to the code."""

from __future__ import annotations

from regionkit.catalog.validate import VALIDATORS

from ..conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_validator() -> None:
    for v in VALIDATORS:
        assert f"| `{v.id}` | {v.severity} |" in README, v.id


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh && bash scripts/check.sh" in README
    assert "bash scripts/setup.sh && bash scripts/check.sh" in ci


def test_readme_main_command_is_deploy_lab() -> None:
    assert "bash scripts/setup.sh && .venv/bin/regionkit deploy lab" in README
