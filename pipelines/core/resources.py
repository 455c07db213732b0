"""Dagster resources: the warehouse and the run's settings, shared by every asset and check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines.core.config import Settings, load_settings
from pipelines.core.publish import discard_shadow, prepare_shadow, publish_shadow
from pipelines.core.warehouse import connect_writer, exclusive_lock, lock_path_for


class WarehouseResource(dg.ConfigurableResource):
    """Where the run reads and writes, and for which reporting date.

    Empty strings mean "resolve from IMPACT_* environment variables, else the defaults"
    (see :func:`pipelines.core.config.load_settings`), so that ``dagster dev`` and ``impact run``
    resolve the same way.

    Every run (``impact run``, the schedule, the sensor, a materialisation from the UI) holds the
    warehouse's writer lock for its whole duration and works on a shadow copy that is published
    with one atomic rename when the run ends (``atomic_runs``): concurrent runs queue, a run killed
    at any point leaves the warehouse as it was, and analysts' read-only connections to the
    published file are never in the way of a run.
    """

    warehouse: str = ""
    inbox: str = ""
    reports: str = ""
    as_of: str = ""
    lang: str = ""
    atomic_runs: bool = True

    _shadow: Path | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        return load_settings(
            inbox=self.inbox or None,
            warehouse=self.warehouse or None,
            reports=self.reports or None,
            as_of=self.as_of or None,
            lang=self.lang or None,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        if not self.atomic_runs or context.run_id is None:  # a sensor tick: no run to protect
            yield self
            return
        target = self.settings().warehouse
        target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(lock_path_for(target)):
            self._shadow = prepare_shadow(target)
            # One connection held for the run keeps DuckDB's database instance open, so that the
            # ~100 short connections of the steps attach to it instead of reopening the file.
            try:
                with connect_writer(self._shadow):
                    yield self
                publish_shadow(self._shadow, target)
            finally:
                discard_shadow(self._shadow)
                self._shadow = None

    @property
    def path(self) -> Path:
        """The file this run writes: its shadow copy during a run, else the warehouse itself."""
        return self._shadow or self.settings().warehouse

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect_writer(self.path) as con:
            yield con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read access for checks; takes the writer lock too, so it never races a writer."""
        with connect_writer(self.path) as con:
            yield con
