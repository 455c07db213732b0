"""``marts/run_history``: the state each run left, and what changed against the state before it.

Every run records, under its run id, its as_of and the time: each cluster's verdict (the rule of
the report, :mod:`reports.shortfalls`: only counted performance shortfalls make a cluster behind
or critical, never a data note), each indicator row's status, and each flag. The rows are never
replaced, so a same-day re-run can still be compared with the state it replaced.

The state a run is compared with (:func:`run_changes`) is the latest earlier run of the same
as_of, or else the latest run of the newest earlier as_of.
"""

import datetime as dt
from dataclasses import dataclass, field

import dagster as dg
import duckdb

from assets.models.models import all_models
from pipelines.core.config import Thresholds
from pipelines.core.keys import model_key
from pipelines.core.metadata import OWNERS
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import fetch_all
from reports.data import load_report_data
from reports.shortfalls import cluster_shortfalls, verdict_of

RUN_HISTORY_KEY = model_key("marts", "run_history")
VERDICTS = ("critical", "behind", "on_track", "no_data")


def cluster_verdicts(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, thresholds: Thresholds
) -> dict[str, str]:
    """Each granted cluster's verdict for ``as_of``: ``critical`` / ``behind`` by its counted
    shortfalls (:func:`reports.shortfalls.verdict_of`), else ``on_track`` when it has any shown
    figure, else ``no_data``."""
    data = load_report_data(con, as_of, thresholds.disclosure_min_firms, thresholds)
    verdicts = {}
    for cluster in data.clusters:
        cid = cluster.cluster_id
        any_figure = any(
            row.value is not None and not row.suppressed
            for (c, _, _), row in data.indicators.items() if c == cid
        )
        verdicts[cid] = verdict_of(cluster_shortfalls(data, cid), any_figure)
    return verdicts


def record_run_state(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    thresholds: Thresholds,
    recorded_at: dt.datetime | None = None,
) -> int:
    """Append the run's state to ``marts.run_history`` (replacing rows of the same run id, so a
    retried step records once); how many rows."""
    at = recorded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    verdicts = cluster_verdicts(con, as_of, thresholds)
    params = {"run": run_id, "as_of": as_of, "at": at}
    con.execute("DELETE FROM marts.run_history WHERE run_id = $run", {"run": run_id}).fetchall()
    if verdicts:
        con.executemany(
            "INSERT INTO marts.run_history (run_id, as_of, recorded_at, kind, cluster_id, status) "
            "VALUES ($run, $as_of, $at, 'cluster', $cluster, $status)",
            [{**params, "cluster": c, "status": s} for c, s in sorted(verdicts.items())],
        )
    con.execute(
        """INSERT INTO marts.run_history
           SELECT $run, $as_of, $at, 'indicator', cluster_id, indicator, period, status, NULL
           FROM marts.indicators WHERE as_of = $as_of
           UNION ALL
           SELECT $run, $as_of, $at, 'flag', cluster_id, indicator, period, severity, message
           FROM marts.flags WHERE as_of = $as_of""",
        params,
    ).fetchall()
    (rows,) = fetch_all(con, "SELECT count(*) FROM marts.run_history WHERE run_id = $run", {"run": run_id})[0]
    return int(rows)


@dataclass
class RunChanges:
    """What a run changed against the state before it (``before`` is None for the first run)."""

    run_id: str
    as_of: dt.date | None
    before: tuple[str, dt.date, dt.datetime] | None  # run id, as_of, recorded_at
    verdicts: dict[str, str] = field(default_factory=dict)
    clusters: list[tuple[str, str, str]] = field(default_factory=list)  # cluster, before, now
    flags_added: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    flags_removed: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many clusters have each verdict in this run."""
        return {v: sum(1 for s in self.verdicts.values() if s == v) for v in VERDICTS}


def previous_state(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[str, dt.date, dt.datetime] | None:
    """The latest earlier run of the same as_of, else the latest run of the newest earlier as_of."""
    rows = fetch_all(
        con,
        """WITH runs AS (
               SELECT run_id, as_of, max(recorded_at) AS recorded_at
               FROM marts.run_history GROUP BY run_id, as_of
           ), this AS (SELECT as_of, recorded_at FROM runs WHERE run_id = $run)
           SELECT r.run_id, r.as_of, r.recorded_at FROM runs AS r, this AS t
           WHERE r.run_id <> $run
             AND ((r.as_of = t.as_of AND r.recorded_at < t.recorded_at) OR r.as_of < t.as_of)
           ORDER BY r.as_of DESC, r.recorded_at DESC
           LIMIT 1""",
        {"run": run_id},
    )
    return tuple(rows[0]) if rows else None  # type: ignore[return-value]


def run_changes(con: duckdb.DuckDBPyConnection, run_id: str) -> RunChanges:
    """The run's verdicts, and the clusters and flags that changed since :func:`previous_state`."""
    recorded = fetch_all(con, "SELECT max(as_of) FROM marts.run_history WHERE run_id = $run", {"run": run_id})
    changes = RunChanges(run_id, recorded[0][0] if recorded else None, previous_state(con, run_id))
    changes.verdicts = dict(fetch_all(
        con,
        "SELECT cluster_id, status FROM marts.run_history WHERE run_id = $run AND kind = 'cluster'",
        {"run": run_id},
    ))
    if changes.before is None:
        return changes
    params = {"run": run_id, "before": changes.before[0]}
    changes.clusters = [tuple(r) for r in fetch_all(
        con,
        """SELECT coalesce(n.cluster_id, b.cluster_id), coalesce(b.status, 'none'), coalesce(n.status, 'none')
           FROM (SELECT cluster_id, status FROM marts.run_history WHERE run_id = $run AND kind = 'cluster') AS n
           FULL JOIN (SELECT cluster_id, status FROM marts.run_history
                      WHERE run_id = $before AND kind = 'cluster') AS b USING (cluster_id)
           WHERE n.status IS DISTINCT FROM b.status
           ORDER BY 1""",
        params,
    )]
    flags = """SELECT a.cluster_id, a.indicator, a.period, a.status, a.message FROM marts.run_history AS a
               WHERE a.run_id = $a AND a.kind = 'flag' AND NOT EXISTS (
                   SELECT 1 FROM marts.run_history AS b
                   WHERE b.run_id = $b AND b.kind = 'flag' AND b.cluster_id = a.cluster_id
                     AND b.indicator = a.indicator AND b.period = a.period AND b.status = a.status)
               ORDER BY a.cluster_id, a.indicator, a.period"""
    changes.flags_added = [tuple(r) for r in fetch_all(con, flags, {"a": run_id, "b": changes.before[0]})]
    changes.flags_removed = [tuple(r) for r in fetch_all(con, flags, {"a": changes.before[0], "b": run_id})]
    return changes


@dg.asset(
    key=RUN_HISTORY_KEY,
    group_name="marts",
    kinds={"duckdb", "python"},
    owners=OWNERS,
    # after every marts model: the verdicts read what the report reads
    deps=[m.key for m in all_models() if m.layer == "marts"],
    pool="warehouse",
    description=(
        "The state this run left, kept per run (marts.run_history): each cluster's verdict "
        "(by reports/shortfalls.py), each indicator row's status and each flag, under the run id, "
        "its as_of and the time; and what changed against the previous state of the same as_of "
        "(or else the previous as_of): clusters whose status changed, flags added and removed."
    ),
    tags={"layer": "marts"},
)
def run_history(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with warehouse.writer() as con:
        rows = record_run_state(con, context.run_id, settings.as_of, settings.thresholds)
        changes = run_changes(con, context.run_id)
    before = changes.before
    return dg.MaterializeResult(metadata={
        "as_of": dg.MetadataValue.text(settings.as_of.isoformat()),
        "rows recorded": dg.MetadataValue.int(rows),
        "compared with": dg.MetadataValue.text(
            f"run {before[0]} (as of {before[1]}, recorded {before[2]:%Y-%m-%d %H:%M} UTC)"
            if before else "nothing: the first recorded run"
        ),
        "clusters": dg.MetadataValue.json(changes.counts()),
        "status changes": dg.MetadataValue.json([f"{c}: {a} -> {b}" for c, a, b in changes.clusters]),
        "flags added": dg.MetadataValue.int(len(changes.flags_added)),
        "flags removed": dg.MetadataValue.int(len(changes.flags_removed)),
    })
