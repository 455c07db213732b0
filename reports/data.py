"""Read what the board report shows from the warehouse's marts, with disclosure control applied.

The report reads the ``marts`` schema only (:data:`REPORT_TABLES`; its asset depends on exactly
the models that build them): the rows of ``marts.indicators`` and ``marts.flags`` for the run's
``as_of``, and the programme, accounts and data-quality marts. A figure that rests on fewer than
``disclosure_min_firms`` firms loses its value (and its exact ``n_firms``) here, at load time, so
that no later step (text, chart data, hover) can leak it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from pipelines.core.catalogue import catalogue
from pipelines.core.contract import DATASETS
from pipelines.core.warehouse import fetch_all

# The funding lines of the accounts, private ones first (the input contract's funding flags).
PRIVATE_COLUMNS: tuple[str, ...] = DATASETS["accounts"].funding_lines("private")
FUNDING_COLUMNS: tuple[str, ...] = PRIVATE_COLUMNS + DATASETS["accounts"].funding_lines("public")

# Every table the report reads: marts only.
REPORT_TABLES: tuple[str, ...] = (
    "marts.indicators",
    "marts.flags",
    "marts.clusters",
    "marts.grants",
    "marts.cluster_accounts",
    "marts.ingestion_summary",
    "marts.failed_files",
    "marts.rejections",
)

SEVERITY_RANK = {"ERROR": 0, "WARN": 1}


def row_indicator(code: str) -> str:
    """The indicator whose row a flag of ``code`` is about: the code itself for a status flag, the
    catalogue's ``indicator`` for a data-quality flag raised on an indicator row (``dq_pretrend``
    -> ``turnover_pretrend``)."""
    flag = catalogue().data_quality_flags.get(code)
    return flag.indicator if flag is not None and flag.indicator else code


@dataclass(frozen=True)
class Cluster:
    """A granted cluster (``marts.clusters``)."""

    cluster_id: str
    organisation: str
    business_area: str
    recommended_mdkk: float | None


@dataclass(frozen=True)
class Indicator:
    """One row of ``marts.indicators`` after disclosure control.

    ``suppressed`` rows carry ``value=None`` and ``n_firms=None``.
    """

    cluster_id: str
    indicator: str
    period: str
    value: float | None
    target: float | None
    expected: float | None
    n_firms: int | None
    status: str
    suppressed: bool = False


@dataclass(frozen=True)
class Flag:
    """One row of ``marts.flags``; ``suppressed`` when the indicator row it points at is."""

    cluster_id: str
    indicator: str
    period: str
    severity: str
    message: str
    suppressed: bool = False

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 2)


@dataclass(frozen=True)
class Grant:
    cluster_id: str
    grant_type: str
    period_start: dt.date
    period_end: dt.date
    target_smes: int


@dataclass
class ReportData:
    """Everything the report shows, for one ``as_of``."""

    as_of: dt.date
    min_firms: int
    clusters: list[Cluster]
    indicators: dict[tuple[str, str, str], Indicator]
    flags: list[Flag]
    accounts: dict[str, list[dict[str, float]]]
    grants: list[Grant]
    file_status: dict[str, int]
    failed_files: list[tuple[str, str, str]]
    rejected: list[tuple[str, str, int]]
    extra: dict[str, object] = field(default_factory=dict)

    def get(self, cluster_id: str, indicator: str, period: str) -> Indicator | None:
        return self.indicators.get((cluster_id, indicator, period))

    def series(self, cluster_id: str, indicator: str) -> list[Indicator]:
        """The yearly rows (period ``YYYY``) of one indicator, oldest first."""
        rows = [
            r
            for (c, i, p), r in self.indicators.items()
            if c == cluster_id and i == indicator and p.isdigit()
        ]
        return sorted(rows, key=lambda r: r.period)

    def flags_for(self, cluster_id: str) -> list[Flag]:
        return sorted(
            (f for f in self.flags if f.cluster_id == cluster_id),
            key=lambda f: (f.rank, f.indicator, f.period),
        )


def is_suppressed(value: float | None, n_firms: int | None, min_firms: int) -> bool:
    """True when a figure rests on fewer than ``min_firms`` firms.

    A row without a value and with ``n_firms`` 0 (nothing measured yet) is "no data", not
    suppressed.
    """
    if n_firms is None or n_firms >= min_firms:
        return False
    return value is not None or n_firms > 0


def load_report_data(con: duckdb.DuckDBPyConnection, as_of: dt.date, min_firms: int) -> ReportData:
    """Read the report's inputs for ``as_of`` from an open warehouse connection (marts only)."""
    clusters = [
        Cluster(str(c), str(o or c), str(b or ""), None if m is None else float(m))
        for c, o, b, m in fetch_all(
            con,
            "SELECT cluster_id, organisation, business_area, recommended_mdkk "
            "FROM marts.clusters ORDER BY business_area, organisation, cluster_id",
        )
    ]

    indicators: dict[tuple[str, str, str], Indicator] = {}
    for c, i, p, v, t, e, n, s in fetch_all(
        con,
        "SELECT cluster_id, indicator, period, value, target, expected, n_firms, status "
        "FROM marts.indicators WHERE as_of = ? ORDER BY cluster_id, indicator, period",
        [as_of],
    ):
        n_int = None if n is None else int(n)
        hide = is_suppressed(v, n_int, min_firms)
        indicators[(c, i, p)] = Indicator(
            cluster_id=c,
            indicator=i,
            period=p,
            value=None if hide else v,
            target=t,
            expected=e,
            n_firms=None if hide else n_int,
            status=s,
            suppressed=hide,
        )

    flags = []
    for c, i, p, sev, msg in fetch_all(
        con,
        "SELECT cluster_id, indicator, period, severity, message FROM marts.flags "
        "WHERE as_of = ? ORDER BY cluster_id, indicator, period",
        [as_of],
    ):
        row = indicators.get((c, row_indicator(i), p))
        flags.append(Flag(c, i, p, str(sev).upper(), str(msg or ""), bool(row and row.suppressed)))
    flags.sort(key=lambda f: (f.rank, f.cluster_id, f.indicator, f.period))

    # Accounts: one row per cluster and fiscal year, years up to as_of's year.
    cols = ", ".join(FUNDING_COLUMNS)
    accounts: dict[str, list[dict[str, float]]] = defaultdict(list)
    for row in fetch_all(
        con,
        f"SELECT cluster_id, fiscal_year, {cols} FROM marts.cluster_accounts "
        "WHERE fiscal_year <= ? ORDER BY cluster_id, fiscal_year",
        [as_of.year],
    ):
        record = {"fiscal_year": float(row[1])}
        record.update({name: float(v or 0.0) for name, v in zip(FUNDING_COLUMNS, row[2:], strict=True)})
        accounts[row[0]].append(record)

    grants = [
        Grant(c, t, s, e, int(n or 0))
        for c, t, s, e, n in fetch_all(
            con, "SELECT cluster_id, grant_type, period_start, period_end, target_smes FROM marts.grants"
        )
    ]

    file_status: dict[str, int] = {"ingested": 0, "duplicate": 0, "failed": 0}
    for status, n in fetch_all(
        con,
        "SELECT status, sum(n_files) FROM marts.ingestion_summary GROUP BY status ORDER BY status",
    ):
        file_status[str(status)] = int(n)
    failed_files = [
        (str(f), str(d), str(e or ""))
        for f, d, e in fetch_all(
            con,
            "SELECT file_name, dataset, error FROM marts.failed_files "
            "ORDER BY ingested_at DESC, file_name LIMIT 50",
        )
    ]
    rejected = [
        (str(d), str(r), int(n))
        for d, r, n in fetch_all(
            con, "SELECT dataset, reason, n_rows FROM marts.rejections ORDER BY dataset, n_rows DESC, reason"
        )
    ]

    return ReportData(
        as_of=as_of,
        min_firms=min_firms,
        clusters=clusters,
        indicators=indicators,
        flags=flags,
        accounts=dict(accounts),
        grants=grants,
        file_status=file_status,
        failed_files=failed_files,
        rejected=rejected,
    )


def is_newest_reporting_date(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> bool:
    """Whether no later ``as_of`` has been computed in the warehouse.

    ``impact_report.html`` is the report of the newest reporting date: a backfill for an earlier
    date writes its own dated file and leaves the board's latest report as it is.
    """
    newest = fetch_all(con, "SELECT max(as_of) FROM marts.indicators")[0][0]
    return newest is None or as_of >= newest
