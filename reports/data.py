"""Read what the board report shows from the warehouse's marts, with disclosure control applied.

The report reads the ``marts`` schema only (:data:`REPORT_TABLES`; its asset depends on exactly
the models that build them): the rows of ``marts.indicators`` for the run's ``as_of`` and the
earlier reporting dates (the trend), ``marts.flags`` and ``marts.top_activities`` for the run's
``as_of``, and the programme, accounts and data-quality marts.

Disclosure control happens here, at load time, so that no later step (text, chart data, hover)
can leak a figure:

* primary: a figure that rests on fewer than ``disclosure_min_firms`` firms loses its value (and
  its exact ``n_firms``); so does an activity's SME count;
* secondary: for the catalogue's ``summed`` indicators (ALL = the sum of the clusters), where
  exactly one cluster's figure is suppressed while the national figure and every other
  cluster's figure are shown, the next smallest cluster's figure is suppressed too, so that the
  suppressed one cannot be recovered by subtraction. Applied per reporting date, so also to the
  trend.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

import duckdb

from pipelines.core.catalogue import catalogue
from pipelines.core.config import Thresholds
from pipelines.core.contract import DATASETS
from pipelines.core.warehouse import fetch_all

# The funding lines of the accounts, private ones first (the input contract's funding flags).
PRIVATE_COLUMNS: tuple[str, ...] = DATASETS["accounts"].funding_lines("private")
PUBLIC_COLUMNS: tuple[str, ...] = DATASETS["accounts"].funding_lines("public")
FUNDING_COLUMNS: tuple[str, ...] = PRIVATE_COLUMNS + PUBLIC_COLUMNS

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
    "marts.top_activities",
)

SEVERITY_RANK = {"ERROR": 0, "WARN": 1}


def row_indicator(code: str) -> str:
    """The indicator whose row a flag of ``code`` is about: the code itself for a status flag, the
    catalogue's ``indicator`` for a data-quality flag raised on an indicator row (``dq_pretrend``
    -> ``turnover_pretrend``): such a flag is suppressed with that row."""
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

    ``suppressed`` rows carry ``value=None`` and ``n_firms=None``; ``secondary`` says the figure
    itself rests on enough firms but is hidden so that another one cannot be recovered.
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
    as_of: dt.date | None = None
    secondary: bool = False
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def spans_zero(self) -> bool | None:
        """Whether the row's 95 % interval includes 0, i.e. the effect is not statistically certain:
        ``ci_low`` <= 0 <= ``ci_high`` (the complement of the contract's ``dq_pretrend`` rule, where
        "certain" means strictly above or below 0). None without an interval (hidden, no figure,
        fewer than 2 firms)."""
        if self.suppressed or self.value is None or self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= 0.0 <= self.ci_high

    def hidden(self, secondary: bool = False) -> Indicator:
        """This row with its figure (and its interval) suppressed."""
        return replace(self, value=None, n_firms=None, ci_low=None, ci_high=None, suppressed=True,
                       secondary=secondary)


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
    awarded_dkk: float = 0.0


@dataclass(frozen=True)
class Activity:
    """One of a cluster's five activities with the most SMEs (``marts.top_activities``).

    ``title`` is untrusted input (shown as text only); ``n_smes`` is None when suppressed.
    """

    cluster_id: str
    rank: int
    activity_id: str
    title: str
    theme: str
    grant_type: str
    start_date: dt.date
    n_smes: int | None
    suppressed: bool = False


IndicatorKey = tuple[str, str, str]


@dataclass
class ReportData:
    """Everything the report shows, for one ``as_of``.

    ``indicators`` are the rows of ``as_of``; ``history`` holds every reporting date up to and
    including ``as_of`` (``reporting_dates``), per row key oldest first, after disclosure control.
    """

    as_of: dt.date
    min_firms: int
    clusters: list[Cluster]
    indicators: dict[IndicatorKey, Indicator]
    flags: list[Flag]
    accounts: dict[str, list[dict[str, float]]]
    grants: list[Grant]
    file_status: dict[str, int]
    failed_files: list[tuple[str, str, str]]
    rejected: list[tuple[str, str, int]]
    history: dict[IndicatorKey, list[Indicator]] = field(default_factory=dict)
    reporting_dates: list[dt.date] = field(default_factory=list)
    top_activities: dict[str, list[Activity]] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def get(self, cluster_id: str, indicator: str, period: str) -> Indicator | None:
        return self.indicators.get((cluster_id, indicator, period))

    def headline(self, cluster_id: str, indicator: str, as_of: dt.date | None = None) -> Indicator | None:
        """The row that stands for ``indicator`` of ``cluster_id`` on a reporting date (default:
        the report's): its ``to_date`` or ``all`` row, else its latest year with a figure (shown
        or suppressed); None if it has no figure then."""
        when = as_of or self.as_of
        rows = [
            r for (c, i, _), rs in self.history.items() if c == cluster_id and i == indicator
            for r in rs if r.as_of == when and (r.value is not None or r.suppressed)
        ]
        return headline_row(rows)

    def path(self, cluster_id: str, indicator: str) -> list[Indicator]:
        """The headline row of each reporting date up to ``as_of`` that has one, oldest first."""
        out = []
        for when in self.reporting_dates:
            row = self.headline(cluster_id, indicator, when)
            if row is not None:
                out.append(row)
        return out

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


HEADLINE_PERIODS = ("to_date", "all")


def headline_row(rows: list[Indicator]) -> Indicator | None:
    """Of one indicator's rows for one cluster and date: the ``to_date`` row, else the ``all``
    row (all cohorts), else the latest year."""
    by_period = {r.period: r for r in rows}
    for period in HEADLINE_PERIODS:
        if period in by_period:
            return by_period[period]
    years = sorted(p for p in by_period if p.isdigit())
    return by_period[years[-1]] if years else None


def is_suppressed(value: float | None, n_firms: int | None, min_firms: int) -> bool:
    """True when a figure rests on fewer than ``min_firms`` firms.

    A row without a value and with ``n_firms`` 0 (nothing measured yet) is "no data", not
    suppressed.
    """
    if n_firms is None or n_firms >= min_firms:
        return False
    return value is not None or n_firms > 0


def primary_suppression(row: Indicator, min_firms: int) -> Indicator:
    """The row with its figure hidden when it rests on fewer than ``min_firms`` firms."""
    return row.hidden() if is_suppressed(row.value, row.n_firms, min_firms) else row


def secondary_suppression(rows: list[Indicator], summed: frozenset[str] | None = None) -> list[Indicator]:
    """Hide one more cluster figure wherever a single suppressed one could be recovered.

    For each reporting date, ``summed`` indicator (default: the catalogue's ``summed`` ones) and
    period: if exactly one cluster's figure is suppressed, the national (``ALL``) figure is shown
    and every other cluster's figure with a row is shown, the shown cluster figure with the
    smallest value (ties: the cluster id) is suppressed too. Without such a figure the national
    one is hidden instead. Rows that are no figures at all (value null, nothing suppressed) do not
    count as shown. Returns the rows in the same order.
    """
    codes = summed if summed is not None else frozenset(catalogue().codes_where(summed=True))
    groups: dict[tuple[object, str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.indicator in codes:
            groups[(r.as_of, r.indicator, r.period)].append(i)
    out = list(rows)
    for members in groups.values():
        national = [i for i in members if rows[i].cluster_id == "ALL"]
        clusters = [i for i in members if rows[i].cluster_id != "ALL"]
        hidden = [i for i in clusters if rows[i].suppressed]
        if len(hidden) != 1 or not national or rows[national[0]].suppressed:
            continue
        if rows[national[0]].value is None:
            continue
        shown = [i for i in clusters if not rows[i].suppressed and rows[i].value is not None]
        if shown:
            victim = min(shown, key=lambda i: (rows[i].value, rows[i].cluster_id))
        else:
            victim = national[0]
        out[victim] = rows[victim].hidden(secondary=True)
    return out


def load_indicators(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, min_firms: int
) -> tuple[dict[IndicatorKey, list[Indicator]], list[dt.date]]:
    """Every ``marts.indicators`` row of a reporting date up to ``as_of``, disclosure-controlled,
    per row key oldest first, and the reporting dates themselves."""
    rows = [
        primary_suppression(
            Indicator(c, i, p, v, t, e, None if n is None else int(n), s, as_of=a, ci_low=lo, ci_high=hi),
            min_firms,
        )
        for c, i, p, v, t, e, n, s, a, lo, hi in fetch_all(
            con,
            "SELECT cluster_id, indicator, period, value, target, expected, n_firms, status, as_of, "
            "ci_low, ci_high "
            "FROM marts.indicators WHERE as_of <= ? ORDER BY as_of, cluster_id, indicator, period",
            [as_of],
        )
    ]
    history: dict[IndicatorKey, list[Indicator]] = defaultdict(list)
    for r in secondary_suppression(rows):
        history[(r.cluster_id, r.indicator, r.period)].append(r)
    dates = sorted({r.as_of for r in rows if r.as_of is not None})
    return dict(history), dates


def load_top_activities(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, min_firms: int
) -> dict[str, list[Activity]]:
    """Each cluster's top activities of ``as_of``; an SME count below ``min_firms`` is hidden
    (the title is still shown)."""
    out: dict[str, list[Activity]] = defaultdict(list)
    for c, rank, aid, title, theme, gtype, start, n in fetch_all(
        con,
        "SELECT cluster_id, rank, activity_id, title, theme, grant_type, start_date, n_smes "
        "FROM marts.top_activities WHERE as_of = ? ORDER BY cluster_id, rank",
        [as_of],
    ):
        hide = is_suppressed(n, None if n is None else int(n), min_firms)
        out[str(c)].append(Activity(
            str(c), int(rank), str(aid), str(title), str(theme), str(gtype), start,
            None if hide or n is None else int(n), hide,
        ))
    return dict(out)


def load_report_data(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    min_firms: int,
    thresholds: Thresholds | None = None,
) -> ReportData:
    """Read the report's inputs for ``as_of`` from an open warehouse connection (marts only)."""
    clusters = [
        Cluster(str(c), str(o or c), str(b or ""), None if m is None else float(m))
        for c, o, b, m in fetch_all(
            con,
            "SELECT cluster_id, organisation, business_area, recommended_mdkk "
            "FROM marts.clusters ORDER BY business_area, organisation, cluster_id",
        )
    ]

    history, reporting_dates = load_indicators(con, as_of, min_firms)
    indicators = {k: rows[-1] for k, rows in history.items() if rows[-1].as_of == as_of}

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
        Grant(c, t, s, e, int(n or 0), float(a or 0.0))
        for c, t, s, e, n, a in fetch_all(
            con,
            "SELECT cluster_id, grant_type, period_start, period_end, target_smes, awarded_dkk "
            "FROM marts.grants",
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
        history=history,
        reporting_dates=reporting_dates,
        top_activities=load_top_activities(con, as_of, min_firms),
        thresholds=thresholds or Thresholds(disclosure_min_firms=min_firms),
    )


def is_newest_reporting_date(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> bool:
    """Whether no later ``as_of`` has been computed in the warehouse.

    ``impact_report.html`` is the report of the newest reporting date: a backfill for an earlier
    date writes its own dated file and leaves the board's latest report as it is.
    """
    newest = fetch_all(con, "SELECT max(as_of) FROM marts.indicators")[0][0]
    return newest is None or as_of >= newest
