"""Shared fixtures for the data-quality tests (helpers live in ``quality_fixtures``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    """A fresh warehouse file in the test's temp directory."""
    return tmp_path / "wh.duckdb"


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests set thresholds and scale explicitly; ignore the caller's IMPACT_* overrides."""
    for name in (
        "IMPACT_MAX_REJECTED_SHARE",
        "IMPACT_GX_FULL_MAX_ROWS",
        "IMPACT_GX_SAMPLE_ROWS",
        "IMPACT_AS_OF",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
