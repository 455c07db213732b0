"""Fixtures for the report tests: a small warehouse and a helper to render it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.core.config import Settings, load_settings
from pipelines.core.warehouse import connect_writer
from reports import render_report
from tests.report import fixture_data


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A fixture warehouse with one full ``as_of`` of report inputs (and an older one)."""
    return fixture_data.build(tmp_path / "w.duckdb")


def settings_for(warehouse: Path, reports: Path, lang: str = "da") -> Settings:
    return load_settings(warehouse=warehouse, reports=reports, as_of=fixture_data.AS_OF, lang=lang)


@pytest.fixture
def render(warehouse: Path, tmp_path: Path) -> Callable[..., tuple[Path, str]]:
    """Render the fixture warehouse: returns (dated path, HTML text)."""

    def _render(lang: str = "da", reports: Path | None = None) -> tuple[Path, str]:
        out = reports or tmp_path / f"reports_{lang}"
        with connect_writer(warehouse) as con:
            path = render_report(con, settings_for(warehouse, out, lang))
        return path, path.read_text(encoding="utf-8")

    return _render


def without_plotly(html: str) -> str:
    """The report minus the embedded plotly.js (which is full of unrelated numbers)."""
    start = html.index('<script id="plotly-js">')
    end = html.index("</script>", start)
    return html[:start] + html[end:]
