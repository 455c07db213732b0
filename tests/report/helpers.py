"""Helpers of the report tests."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.config import Settings, load_settings
from tests.report import fixture_data


def settings_for(warehouse: Path, reports: Path, lang: str = "da") -> Settings:
    return load_settings(warehouse=warehouse, reports=reports, as_of=fixture_data.AS_OF, lang=lang)


def without_plotly(html: str) -> str:
    """The report minus the embedded plotly.js (which is full of unrelated numbers)."""
    start = html.index('<script id="plotly-js">')
    end = html.index("</script>", start)
    return html[:start] + html[end:]
