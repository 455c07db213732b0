"""Fixtures of the ingestion tests: an inbox, a warehouse, one ingestion, a query."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assets.ingestion.loader import ingest_dataset
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.warehouse import connect_writer, fetch_all
from tests.ingestion.samples import Inbox


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "inbox")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"


@pytest.fixture
def ingest(inbox: Inbox, warehouse: Path) -> Callable[..., dict]:
    """Ingest every dataset folder of the inbox, in contract order; returns outcomes by dataset."""

    def run(run_id: str = "test-run") -> dict:
        with connect_writer(warehouse) as con:
            return {d: ingest_dataset(con, inbox.root, d, run_id) for d in INGESTION_ORDER}

    return run


@pytest.fixture
def query(warehouse: Path) -> Callable[..., list[tuple]]:
    def run(sql: str, params: dict | None = None) -> list[tuple]:
        with connect_writer(warehouse) as con:
            return fetch_all(con, sql, params)

    return run
