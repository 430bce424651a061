"""ppu-smi -L on the synthetic fixtures (no real ppu-smi output is public: see the README)."""

from __future__ import annotations

import pytest

from regionkit.health.thead import parse_ppu_smi

from .corpus import Case, check

T = "synthetic/thead/"
CASES: dict[str, Case] = {
    T + "ppu-smi-L_8ppu_SYNTHETIC_pass.txt": Case("ppu-smi", "pass", 8),
    T + "ppu-smi-L_7of8ppu_SYNTHETIC_FAIL_device-error.txt": Case("ppu-smi", "fail", 7),
    T + "ppu-smi-L_SYNTHETIC_wrong-data_truncated.txt": Case("ppu-smi", "unknown", 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ppu_smi_fixture_is_judged(name: str) -> None:
    check(name, CASES[name])


def test_every_ppu_report_says_its_parser_is_synthetic() -> None:
    report = parse_ppu_smi("PPU 0: PPU-810E (UUID: PPU-1)\n")
    assert report.parser_version.endswith("synthetic")
    assert any("synthetic" in f.what for f in report.findings)
