"""Fixtures for the report tests: a small warehouse and a helper to render it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.core.warehouse import connect_writer
from reports import render_report
from tests.report import fixture_data
from tests.report.helpers import settings_for


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A fixture warehouse with one full ``as_of`` of report inputs (and an older one)."""
    return fixture_data.build(tmp_path / "w.duckdb")


@pytest.fixture
def render(warehouse: Path, tmp_path: Path) -> Callable[..., tuple[Path, str]]:
    """Render the fixture warehouse: returns (dated path, HTML text)."""

    def _render(lang: str = "da", reports: Path | None = None) -> tuple[Path, str]:
        out = reports or tmp_path / f"reports_{lang}"
        with connect_writer(warehouse) as con:
            path = render_report(con, settings_for(warehouse, out, lang))
        return path, path.read_text(encoding="utf-8")

    return _render
