"""Fixtures for the indicator tests: a temporary warehouse with the staging schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from marts_helpers import Stage

from pipelines.core.warehouse import connect_writer


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "w.duckdb"


@pytest.fixture
def stage(warehouse_path: Path) -> Iterator[Stage]:
    with connect_writer(warehouse_path) as con:
        yield Stage(con)
