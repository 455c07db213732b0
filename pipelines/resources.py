"""Dagster resources: the warehouse and the run's settings, shared by every asset and check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Settings, load_settings
from pipelines.warehouse import connect_reader, connect_writer


class WarehouseResource(dg.ConfigurableResource):
    """Where the run reads and writes, and for which reporting date.

    Empty strings mean "resolve from IMPACT_* environment variables, else the defaults"
    (see :func:`pipelines.config.load_settings`), so that ``dagster dev`` and ``impact run``
    resolve the same way.
    """

    warehouse: str = ""
    inbox: str = ""
    reports: str = ""
    as_of: str = ""
    lang: str = ""

    def settings(self) -> Settings:
        return load_settings(
            inbox=self.inbox or None,
            warehouse=self.warehouse or None,
            reports=self.reports or None,
            as_of=self.as_of or None,
            lang=self.lang or None,
        )

    @property
    def path(self) -> Path:
        return self.settings().warehouse

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.path) as con:
            yield con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read access for checks; takes the writer lock too, so it never races a writer."""
        with connect_writer(self.path) as con:
            yield con

    @contextmanager
    def read_only(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_reader(self.path) as con:
            yield con
