"""The pushdown path end to end: the benchmark on a small register, forced into pushdown mode."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gx_checks.py"


def _benchmark():
    spec = importlib.util.spec_from_file_location("bench_gx_checks", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_pushdown_and_finds_injected_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMPACT_GX_FULL_MAX_ROWS", "1000")
    monkeypatch.setenv("IMPACT_GX_SAMPLE_ROWS", "500")
    _benchmark().main(["--rows", "30000", "--broken"])
    out = capsys.readouterr().out
    assert "region in DK01/DK02/DK03/DK04/DK05 (12 unexpected)" in out
    assert "key (cvr, year) unique (2 unexpected)" in out
    assert "dagster contract_suite: passed=False" in out
    assert "pushdown" in out
