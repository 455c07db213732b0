"""The one Dagster instance of a deployment: where ``impact run``, ``impact ui`` and the services
record runs, materialisations and check results.

``DAGSTER_HOME`` when it is set; otherwise ``dagster_home`` beside the warehouse, which with the
default warehouse (``data/warehouse.duckdb``) is ``data/dagster_home``: the run history goes with
the warehouse it built. The first process that uses a home writes the shipped instance
configuration into it (``deploy/dagster.yaml``, or ``deploy/dagster.postgres.yaml`` when
``DAGSTER_PG_HOST`` is set); an existing ``dagster.yaml`` is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg
from filelock import FileLock

from pipelines.core.config import PROJECT_ROOT, load_settings

DEPLOY_DIR = PROJECT_ROOT / "deploy"
SQLITE_YAML = DEPLOY_DIR / "dagster.yaml"
POSTGRES_YAML = DEPLOY_DIR / "dagster.postgres.yaml"
DEFAULT_RUN_RETENTION_DAYS = 90


def dagster_home(warehouse: Path | None = None) -> Path:
    """``DAGSTER_HOME``, else ``<warehouse folder>/dagster_home`` (absolute)."""
    given = os.environ.get("DAGSTER_HOME")
    if given:
        return Path(given).absolute()
    warehouse = warehouse or load_settings().warehouse
    return (warehouse.parent / "dagster_home").absolute()


def shipped_config() -> Path:
    """The instance configuration a new home gets: PostgreSQL when configured, else SQLite."""
    return POSTGRES_YAML if os.environ.get("DAGSTER_PG_HOST") else SQLITE_YAML


def ensure_home(warehouse: Path | None = None) -> Path:
    """Create the instance's home with the shipped ``dagster.yaml`` if it has none; its path."""
    home = dagster_home(warehouse)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        with _home_lock(home):
            if not config.exists():
                partial = home / ".dagster.yaml.tmp"
                shutil.copyfile(shipped_config(), partial)
                partial.replace(config)
    return home


def _home_lock(home: Path) -> FileLock:
    """One process at a time sets a home up: two ``impact run``s started at once on a new home
    both created the SQLite storage's tables ("table runs already exists")."""
    return FileLock(str(home / ".instance.lock"), timeout=300)


def instance(warehouse: Path | None = None) -> dg.DagsterInstance:
    """The deployment's instance (see the module's docstring)."""
    home = ensure_home(warehouse)
    with _home_lock(home):  # opening a new home creates its storage
        return dg.DagsterInstance.from_config(str(home))


def run_retention_days() -> int:
    """Days a finished run is kept in the instance (``IMPACT_RUN_RETENTION_DAYS``, default 90;
    0 or less keeps every run)."""
    raw = (os.environ.get("IMPACT_RUN_RETENTION_DAYS") or "").strip()
    return int(raw) if raw else DEFAULT_RUN_RETENTION_DAYS


def prune_old_runs(inst: dg.DagsterInstance, days: int | None = None) -> int:
    """Delete finished runs (and their events) that ended more than ``days`` ago; how many.

    Dagster OSS has no run retention of its own; ``impact run`` and the daemon's housekeeping
    sensor call this."""
    days = run_retention_days() if days is None else days
    if days <= 0:
        return 0
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    records = inst.get_run_records(
        dg.RunsFilter(statuses=[
            dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED,
        ], updated_before=before),
        limit=500,
    )
    for record in records:
        inst.delete_run(record.dagster_run.run_id)
    return len(records)
