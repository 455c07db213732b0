"""Dagster resources: the warehouse and the run's settings, shared by every asset and check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines.core.config import Settings, atomic_runs_enabled, load_settings
from pipelines.core.faults import MachineFault, WarehouseCorrupt, as_machine_fault, is_machine_error
from pipelines.core.publish import (
    BackupNotKept,
    corrupt_warehouse_message,
    discard_shadow,
    prepare_shadow,
    publish_shadow,
    replace_durably,
    shadow_path,
    verify_integrity,
    warehouse_problem,
)
from pipelines.core.warehouse import connect_writer, exclusive_lock, lock_path_for


class RunNotPublished(dg.DagsterError):
    """The run stopped before it was published: the warehouse is exactly as before the run.

    A ``DagsterError`` so that, raised from the resource's teardown, it fails the run (Dagster
    logs any other teardown exception and leaves the run SUCCESS): exit 0 means published.
    """


class ReportNotPublished(dg.DagsterError):
    """The warehouse was published, but a file that goes with it (the report, the backup
    generation) could not be put in place."""


class FilesNotTaken(dg.DagsterError):
    """The run was published, but some delivered files could not be taken (``meta.inbox_faults``)."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class RunScope:
    """What one run holds between its start and its publication."""

    target: Path
    shadow: Path
    broken: BaseException | None = None  # the first error that stopped a step
    pending: list[tuple[Path, Path]] = field(default_factory=list)  # (written, final) files
    inbox_faults: list[str] = field(default_factory=list)


class WarehouseResource(dg.ConfigurableResource):
    """The run's reporting date and language; where it reads and writes comes from the deployment.

    ``as_of`` and ``lang`` may be set per run (a backfill from the launchpad). The inbox, the
    warehouse, the reports folder and whether runs are atomic are not config at all: they come
    from the process's IMPACT_* variables (:func:`pipelines.core.config.load_settings`), so that
    nobody can point a run from the UI at another file or switch its safety off.

    Every run (``impact run``, the schedule, the sensor, a materialisation from the UI) holds the
    warehouse's writer lock for its whole duration and works on a shadow copy. When its steps have
    run, the resource's teardown publishes the copy (:func:`publish_shadow`) and then puts the
    files written for it (the report) in place. If a step broke on the warehouse, or publishing
    fails, the teardown raises a ``DagsterError`` and the run fails: nothing is published, and a
    run that ends SUCCESS (exit 0) has published everything it reports.
    """

    as_of: str = ""
    lang: str = ""

    _run: RunScope | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        return load_settings(as_of=self.as_of or None, lang=self.lang or None)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        if not atomic_runs_enabled() or context.run_id is None:  # a sensor tick: no run to protect
            yield self
            return
        target = self.settings().warehouse
        target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(lock_path_for(target), report=context.log.warning):
            shadow = _start(target)
            self._run = RunScope(target, shadow)
            try:
                # One connection held for the run keeps DuckDB's database instance open, so that
                # the ~100 short connections of the steps attach to it instead of reopening it.
                with self._guard(), connect_writer(shadow):
                    yield self
                self._finish(self._run)
            finally:
                discard_shadow(shadow)
                for written, _ in self._run.pending:
                    written.unlink(missing_ok=True)
                self._run = None

    def _finish(self, run: RunScope) -> None:
        """Publish the run, then the files that go with it; or say why nothing was published."""
        if run.broken is not None:
            raise RunNotPublished(_not_published(run.target, run.broken))
        problems: list[str] = []
        try:
            publish_shadow(run.shadow, run.target)
        except BackupNotKept as exc:
            problems.append(str(exc))
        except Exception as exc:
            raise RunNotPublished(_not_published(run.target, exc)) from exc
        for written, final in run.pending:
            try:
                replace_durably(written, final)
            except OSError as exc:
                problems.append(
                    f"the warehouse {run.target} was published, but {final} could not be put in "
                    f"place ({as_machine_fault(exc)}); run again to write it"
                )
        if problems:
            raise ReportNotPublished("; ".join(problems))
        if run.inbox_faults:
            raise FilesNotTaken(
                f"published, but {len(run.inbox_faults)} delivered file(s) could not be taken and "
                f"are left for the next run: " + "; ".join(run.inbox_faults)
            )

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Remember the first error that leaves a step's warehouse work unfinished."""
        try:
            yield
        except BaseException as exc:
            if self._run is not None and self._run.broken is None:
                self._run.broken = exc
            raise

    @property
    def path(self) -> Path:
        """The file this run writes: its shadow copy during a run, else the warehouse itself."""
        return self._run.shadow if self._run else self.settings().warehouse

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._guard(), connect_writer(self.path) as con:
            yield con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read access for checks; takes the writer lock too, so it never races a writer."""
        with self._guard(), connect_writer(self.path) as con:
            yield con

    def put_in_place(self, written: Path, final: Path) -> None:
        """Rename ``written`` onto ``final`` once the run is published (now, outside a run)."""
        if self._run is not None:
            self._run.pending.append((written, final))
        else:
            replace_durably(written, final)

    def inbox_fault(self, message: str) -> None:
        """A delivered file could not be taken: the run is published, then fails naming it."""
        if self._run is not None:
            self._run.inbox_faults.append(message)


def _start(target: Path) -> Path:
    """The run's shadow copy; a clear message if there is no room or the warehouse is damaged."""
    try:
        shadow = prepare_shadow(target)
        with connect_writer(shadow):
            pass
    except (MachineFault, OSError, duckdb.Error) as exc:
        discard_shadow(shadow_path(target))
        raise RunNotPublished(_not_published(target, exc)) from exc
    return shadow


def _damage_of(target: Path) -> str | None:
    """The corruption message for the published warehouse if it is damaged, else None."""
    if not target.exists():
        return None
    problem = warehouse_problem(target)
    if problem:
        return problem
    try:
        verify_integrity(target)
    except WarehouseCorrupt as damaged:
        return corrupt_warehouse_message(target, str(damaged))
    return None


def _not_published(target: Path, exc: BaseException) -> str:
    """One line: what went wrong, and that the warehouse is as before the run."""
    text = str(exc).lower()
    looks_damaged = "corrupt" in text or "not a valid duckdb" in text
    if isinstance(exc, WarehouseCorrupt | duckdb.Error) or looks_damaged:
        # Damaged in the warehouse itself, or only in this run's copy (a disk fault)?
        damage = _damage_of(target)
        if damage:
            return damage
        if isinstance(exc, WarehouseCorrupt) or looks_damaged:
            return (
                f"this run's working copy of {target} failed DuckDB's integrity reading "
                f"({_one_line(exc)}), so it was not published; the warehouse is intact and as before "
                "the run: check the disk and run again"
            )
    if is_machine_error(exc):
        exc = as_machine_fault(exc)
    return f"{_one_line(exc)}; nothing was published: the warehouse {target} is as before the run"
