"""GX suites and business rules for ``marts.indicators`` and ``marts.flags`` (one ``as_of``).

The marts are small (clusters x indicators x periods), so GX sees them whole.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.core.catalogue import catalogue
from pipelines.core.config import NATIONAL_TARGET_SMES_COLLECTIVE, NATIONAL_TARGET_SMES_CONCEPTS
from pipelines.core.contract import THEMES
from pipelines.core.metadata import records_table
from quality.gx_runner import Expectation, expectations, validate_frame
from quality.results import SuiteReport, offending_rows
from quality.rules import GRANTED_CLUSTERS_SQL, Rule

if TYPE_CHECKING:
    import pandas as pd

CATALOGUE = catalogue()
INDICATORS: tuple[str, ...] = CATALOGUE.codes
# Shares and indices lie within 0..1; counts (and figures marked never_negative) are never
# negative; figures marked at_most_awarded never exceed the awarded amount (the catalogue).
SHARE_INDICATORS: tuple[str, ...] = tuple(i.code for i in CATALOGUE if i.bounded_0_1)
NON_NEGATIVE_INDICATORS: tuple[str, ...] = tuple(i.code for i in CATALOGUE if i.non_negative)
AT_MOST_AWARDED_INDICATORS: tuple[str, ...] = CATALOGUE.codes_where(at_most_awarded=True)
SUMMED_INDICATORS: tuple[str, ...] = CATALOGUE.codes_where(summed=True)
# The SME counts held against the grants' targets: present in every run with grants.
TARGET_COUNTS: tuple[str, ...] = tuple(i.code for i in CATALOGUE if i.grant_type)
INTERVAL_INDICATORS: tuple[str, ...] = CATALOGUE.codes_where(interval=True)
STATUSES: tuple[str, ...] = ("on_track", "behind", "critical", "no_target")
PERIOD_PATTERN = r"^(?:to_date|all|[0-9]{4})$"
# The board decision's national SME targets, by the grant type whose grants carry them.
BOARD_TARGETS: dict[str, float] = {
    "cluster": NATIONAL_TARGET_SMES_COLLECTIVE,
    "innovation": NATIONAL_TARGET_SMES_CONCEPTS,
}
AWARD_TOLERANCE_DKK = 50_000.0  # DKK 0.05m
RECONCILE_TOLERANCE = 1e-6  # relative to the size of the national figure (at least 1)
OERE = 0.01  # what a DKK figure may exceed its cap by through floating-point sums
# Awarded DKK per granted cluster, and 'ALL' = over every granted cluster's grants.
AWARDED_SQL = """
    SELECT coalesce(g.cluster_id, 'ALL') AS cluster_id, sum(g.awarded_dkk) AS awarded_dkk
    FROM staging.grants AS g
    WHERE g.cluster_id IN (SELECT cluster_id FROM reference.clusters)
    GROUP BY GROUPING SETS ((g.cluster_id), ())
"""

# Relations between indicators that hold by their definitions (outputs.md), each one SQL over the
# rows of one as_of ($as_of) giving (cluster_id, period, holds). A relation whose indicators have no
# rows gives no rows (and passes): it is checked wherever both sides exist.
_V = "(SELECT * FROM marts.indicators WHERE as_of = $as_of)"
CONSISTENCY: tuple[tuple[str, str], ...] = (
    (
        # a firm not an SME in one cluster can be an SME nationally: ALL <= the sum, not equal
        "large_firm_participants ALL <= sum over clusters",
        f"""SELECT a.cluster_id, a.period,
                   a.value <= coalesce((SELECT sum(c.value) FROM {_V} AS c
                                        WHERE c.indicator = a.indicator AND c.period = a.period
                                          AND c.cluster_id <> 'ALL'), 0) + 1e-9 AS holds
            FROM {_V} AS a
            WHERE a.indicator = 'large_firm_participants' AND a.cluster_id = 'ALL'""",
    ),
    (
        "large_firm_participants = sme_share denominator - numerator",
        f"""SELECT l.cluster_id, l.period,
                   l.value = s.n_firms - round(coalesce(s.value, 0) * s.n_firms) AS holds
            FROM {_V} AS l
            JOIN {_V} AS s ON s.cluster_id = l.cluster_id AND s.period = l.period
                          AND s.indicator = 'sme_share'
            WHERE l.indicator = 'large_firm_participants'""",
    ),
    (
        "sme_depth_share n_firms = sme_share numerator",
        f"""SELECT d.cluster_id, d.period,
                   d.n_firms = round(coalesce(s.value, 0) * s.n_firms) AS holds
            FROM {_V} AS d
            JOIN {_V} AS s ON s.cluster_id = d.cluster_id AND s.period = d.period
                          AND s.indicator = 'sme_share'
            WHERE d.indicator = 'sme_depth_share'""",
    ),
    (
        "multi_cluster_sme_share n_firms = smes_collective (ALL: smes_collective_unique)",
        f"""SELECT m.cluster_id, m.period, m.n_firms = c.value AS holds
            FROM {_V} AS m
            JOIN {_V} AS c ON c.cluster_id = m.cluster_id AND c.period = m.period
                          AND c.indicator = CASE m.cluster_id WHEN 'ALL' THEN 'smes_collective_unique'
                                                              ELSE 'smes_collective' END
            WHERE m.indicator = 'multi_cluster_sme_share'""",
    ),
    (
        # with k_f the clusters counting firm f: sum_c n_c = sum_f k_f and the clusters' multi-cluster
        # firms add up to the sum of k_f over f with k_f >= 2, so the national number of firms in
        # >= 2 clusters = that sum - (sum_c n_c - unique)
        "multi_cluster_sme_share ALL = clusters' multi-cluster SMEs - (smes_collective - unique)",
        f"""WITH counts AS (
                SELECT period,
                       sum(round(coalesce(value, 0) * n_firms)) FILTER (WHERE cluster_id <> 'ALL') AS clusters_multi,
                       sum(n_firms) FILTER (WHERE cluster_id <> 'ALL')                            AS clusters_n,
                       max(round(coalesce(value, 0) * n_firms)) FILTER (WHERE cluster_id = 'ALL') AS all_multi,
                       max(n_firms) FILTER (WHERE cluster_id = 'ALL')                             AS all_n
                FROM {_V} WHERE indicator = 'multi_cluster_sme_share' GROUP BY period
            )
            SELECT 'ALL' AS cluster_id, period,
                   all_multi = clusters_multi - (clusters_n - all_n) AS holds
            FROM counts WHERE all_n IS NOT NULL""",
    ),
    (
        # a pooled share is a weighted mean of the clusters' shares
        "core_theme_share ALL within the clusters' range of the year",
        f"""SELECT 'ALL' AS cluster_id, a.period,
                   a.value BETWEEN min(c.value) - 1e-9 AND max(c.value) + 1e-9 AS holds
            FROM {_V} AS a
            JOIN {_V} AS c ON c.indicator = a.indicator AND c.period = a.period
                          AND c.cluster_id <> 'ALL'
            WHERE a.indicator = 'core_theme_share' AND a.cluster_id = 'ALL'
            GROUP BY a.period, a.value""",
    ),
)

# Business checks: one per catalogue family with indicators that carry a status rule.
FAMILIES: dict[str, tuple[str, ...]] = CATALOGUE.checked_families()
FAMILY_TITLES: dict[str, str] = CATALOGUE.families


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v + "'" for v in values)


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    return frame


def _run(report: SuiteReport, name: str, frame: pd.DataFrame, checks: list[Expectation]) -> None:
    outcomes = validate_frame(name, frame, checks)
    report.outcomes += outcomes
    report.validated_rows += len(frame)
    rows = offending_rows(frame, outcomes)
    if rows is not None:
        report.offending_rows = rows if report.offending_rows is None else report.offending_rows
    report.mode = "full table"


def indicators_integrity(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> SuiteReport:
    """Structure and national consistency of ``marts.indicators`` for ``as_of``.

    Codes and statuses known, one row per (cluster, indicator, period), shares in 0..1, counts and
    never-negative figures (payout at risk) not negative, payout at risk not above the awarded
    amount, every granted cluster present, the national ``ALL`` row of every summed indicator (the
    SME counts, the private cash gap, payout at risk: the catalogue's ``summed``) equal to the sum
    over the clusters (value, target and expected), the relations between indicators that hold by
    definition (:data:`CONSISTENCY`), and the core themes the secretariat maintains naming known
    theme codes and granted clusters; a confidence interval only where the catalogue gives one, and
    then around the value.
    """
    started = time.perf_counter()
    report = SuiteReport(suite="marts.indicators.integrity")
    frame = _indexed(
        con.execute(
            f"""
            SELECT i.*,
                   CASE WHEN indicator IN ({_in_list(SHARE_INDICATORS)}) THEN value END AS _share_value,
                   CASE WHEN indicator IN ({_in_list(NON_NEGATIVE_INDICATORS)}) THEN value END
                       AS _non_negative_value,
                   CASE WHEN indicator IN ({_in_list(AT_MOST_AWARDED_INDICATORS)})
                        THEN value - coalesce(a.awarded_dkk, 0) END AS _above_awarded_dkk,
                   (value IS NOT NULL OR status = 'no_target') AS _null_value_has_no_target,
                   CASE
                       WHEN ci_low IS NULL AND ci_high IS NULL THEN true
                       WHEN indicator NOT IN ({_in_list(INTERVAL_INDICATORS)}) THEN false
                       ELSE coalesce(ci_low <= value AND value <= ci_high, false)
                   END AS _interval_around_value
            FROM marts.indicators AS i
            LEFT JOIN ({AWARDED_SQL}) AS a USING (cluster_id)
            WHERE as_of = ?
            """,
            [as_of],
        ).df()
    )
    granted = [r[0] for r in con.execute(GRANTED_CLUSTERS_SQL).fetchall()]
    rules = [
        Rule("row_count", (), "rows for the as_of", min_value=1),
        *(
            Rule("not_null", (c,), f"{c} not null")
            for c in ("cluster_id", "indicator", "period", "status")
        ),
        Rule("in_set", ("indicator",), "indicator in the catalogue", values=INDICATORS),
        Rule("in_set", ("status",), "status is a known code", values=STATUSES),
        Rule(
            "in_set",
            ("cluster_id",),
            "cluster_id is a granted cluster or ALL",
            values=(*granted, "ALL"),
        ),
        Rule("regex", ("period",), "period is to_date, all or a year", pattern=PERIOD_PATTERN),
        Rule(
            "unique",
            ("cluster_id", "indicator", "period"),
            "one row per cluster, indicator, period",
        ),
        Rule("between", ("_share_value",), "shares within 0..1", min_value=0, max_value=1),
        Rule("between", ("_non_negative_value",), "counts and payouts not negative", min_value=0),
        Rule(
            "between",
            ("_above_awarded_dkk",),
            "payout at risk not above the awarded amount",
            max_value=OERE,
        ),
        Rule("between", ("n_firms",), "n_firms not negative", min_value=0),
        Rule(
            "in_set",
            ("_null_value_has_no_target",),
            "null value has status no_target",
            values=(True,),
        ),
        Rule(
            "in_set",
            ("_interval_around_value",),
            "ci_low <= value <= ci_high, only for indicators with an interval",
            values=(True,),
        ),
    ]
    e = expectations()
    checks = [r.expectation() for r in rules]
    checks.append(
        Expectation(
            "every granted cluster present",
            e.ExpectColumnDistinctValuesToContainSet(column="cluster_id", value_set=granted),
        )
    )
    _run(report, "marts.indicators.integrity", frame, checks)

    national = _indexed(
        con.execute(
            f"""
            SELECT indicator, period,
                   count(*)      FILTER (WHERE cluster_id = 'ALL')  AS all_rows,
                   max(value)    FILTER (WHERE cluster_id = 'ALL')  AS all_value,
                   sum(value)    FILTER (WHERE cluster_id <> 'ALL') AS clusters_value,
                   max(target)   FILTER (WHERE cluster_id = 'ALL')  AS all_target,
                   sum(target)   FILTER (WHERE cluster_id <> 'ALL') AS clusters_target,
                   max(expected) FILTER (WHERE cluster_id = 'ALL')  AS all_expected,
                   sum(expected) FILTER (WHERE cluster_id <> 'ALL') AS clusters_expected
            FROM marts.indicators
            WHERE as_of = ? AND indicator IN ({_in_list(SUMMED_INDICATORS)})
            GROUP BY indicator, period ORDER BY indicator, period
            """,
            [as_of],
        ).df()
    )
    for what in ("value", "target", "expected"):
        clusters = national[f"clusters_{what}"].astype("float64")
        national[f"{what}_gap"] = (
            national[f"all_{what}"].astype("float64") - clusters
        ).abs() / clusters.abs().clip(lower=1.0)
    # "ALL = the sum over the clusters with a value": null exactly when no cluster has one.
    # (A missing ALL row is its own failure, "national ALL row present".)
    national["_all_value_given"] = (
        (national["all_rows"] == 0)
        | national["all_value"].notna()
        | national["clusters_value"].isna()
    )
    nat_rules = [
        Rule("between", ("all_rows",), "national ALL row present", min_value=1, max_value=1),
        Rule(
            "in_set",
            ("_all_value_given",),
            "national ALL value given where a cluster has one",
            values=(True,),
        ),
        *(
            Rule(
                "between",
                (f"{what}_gap",),
                f"national ALL {what} = sum over clusters",
                min_value=0,
                max_value=RECONCILE_TOLERANCE,
            )
            for what in ("value", "target", "expected")
        ),
    ]
    nat_checks = [r.expectation() for r in nat_rules]
    nat_checks.append(
        Expectation(
            " and ".join(TARGET_COUNTS) + " present",
            e.ExpectColumnDistinctValuesToContainSet(column="indicator", value_set=list(TARGET_COUNTS)),
        )
    )
    _run(report, "marts.indicators.national_sums", national, nat_checks)
    for label, sql in CONSISTENCY:
        relation = _indexed(con.execute(sql, {"as_of": as_of}).df())
        # a relation that cannot be evaluated where both sides exist (a null) does not hold
        relation["holds"] = relation["holds"].astype("object").where(relation["holds"].notna(), False)
        rule = Rule("in_set", ("holds",), label, values=(True,))
        _run(report, "marts.indicators.consistency", relation, [rule.expectation()])
    themes = _indexed(con.execute("SELECT cluster_id, theme FROM reference.core_themes").df())
    theme_rules = [
        Rule("in_set", ("theme",), "core_themes.csv: theme is a theme code", values=THEMES),
        Rule(
            "in_set",
            ("cluster_id",),
            "core_themes.csv: cluster_id is a granted cluster",
            values=tuple(granted),
        ),
    ]
    _run(report, "reference.core_themes", themes, [r.expectation() for r in theme_rules])
    report.rows_total = len(frame)
    report.seconds = time.perf_counter() - started
    return report


def board_reconciliation(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> SuiteReport:
    """Targets and awards reconcile with the board decision of 2025.

    Sum of ``target_smes`` of the cluster grants = 5,562 and of the innovation grants = 683, in
    ``staging.grants`` and as the national targets in ``marts.indicators``; each granted cluster's
    grants' ``awarded_dkk`` add up to its recommended amount within DKK 0.05m.
    """
    import pandas as pd

    started = time.perf_counter()
    report = SuiteReport(suite="marts.indicators.board_reconciliation")
    rows: list[dict[str, Any]] = []
    sums = dict(
        con.execute(
            "SELECT grant_type, sum(target_smes)::DOUBLE FROM staging.grants GROUP BY grant_type"
        ).fetchall()
    )
    for grant_type, board in BOARD_TARGETS.items():
        rows.append(
            {
                "source": f"staging.grants target_smes ({grant_type})",
                "figure": sums.get(grant_type),
                "board": board,
            }
        )
    marts_targets = dict(
        con.execute(
            f"SELECT indicator, max(target) FROM marts.indicators WHERE as_of = ? AND cluster_id = 'ALL' "
            f"AND period = 'to_date' AND indicator IN ({_in_list(SUMMED_INDICATORS)}) GROUP BY indicator",
            [as_of],
        ).fetchall()
    )
    for grant_type, board in BOARD_TARGETS.items():
        indicator = CATALOGUE.count_of_grant_type(grant_type).code
        rows.append(
            {
                "source": f"marts.indicators ALL {indicator} target",
                "figure": marts_targets.get(indicator),
                "board": board,
            }
        )
    targets = pd.DataFrame(rows)
    targets["figure"] = targets["figure"].astype("float64")
    targets["gap"] = (targets["figure"] - targets["board"]).abs()
    target_rules = [
        Rule("not_null", ("figure",), "target figure present"),
        Rule(
            "between",
            ("gap",),
            "targets equal the board decision (5,562 / 683)",
            min_value=0,
            max_value=0.5,
        ),
    ]
    _run(report, "board.targets", targets, [r.expectation() for r in target_rules])

    awards = _indexed(
        con.execute(
            """
            SELECT c.cluster_id, c.recommended_mdkk * 1e6 AS recommended_dkk, g.awarded_dkk,
                   g.awarded_dkk - c.recommended_mdkk * 1e6 AS award_gap_dkk
            FROM reference.clusters c
            LEFT JOIN (SELECT cluster_id, sum(awarded_dkk) AS awarded_dkk
                       FROM staging.grants GROUP BY cluster_id) g USING (cluster_id)
            ORDER BY c.cluster_id
            """
        ).df()
    )
    award_rules = [
        Rule("not_null", ("awarded_dkk",), "every granted cluster has grants"),
        Rule(
            "between",
            ("award_gap_dkk",),
            "awarded_dkk adds up to the recommended amount (within DKK 0.05m)",
            min_value=-AWARD_TOLERANCE_DKK,
            max_value=AWARD_TOLERANCE_DKK,
        ),
    ]
    _run(report, "board.awards", awards, [r.expectation() for r in award_rules])
    report.rows_total = len(targets) + len(awards)
    report.seconds = time.perf_counter() - started
    return report


def flags_integrity(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> SuiteReport:
    """``marts.flags`` well-formed, and every behind/critical indicator row flagged WARN/ERROR."""
    started = time.perf_counter()
    report = SuiteReport(suite="marts.flags.integrity")
    flags = _indexed(con.execute("SELECT * FROM marts.flags WHERE as_of = ?", [as_of]).df())
    flag_rules = [
        *(
            Rule("not_null", (c,), f"{c} not null")
            for c in ("cluster_id", "indicator", "period", "message")
        ),
        Rule("in_set", ("severity",), "severity is WARN or ERROR", values=("WARN", "ERROR")),
    ]
    _run(report, "marts.flags.integrity", flags, [r.expectation() for r in flag_rules])
    coverage = _indexed(
        con.execute(
            """
            SELECT i.cluster_id, i.indicator, i.period, i.status,
                   EXISTS (SELECT 1 FROM marts.flags f
                           WHERE f.as_of = i.as_of AND f.cluster_id = i.cluster_id
                             AND f.indicator = i.indicator AND f.period = i.period
                             AND f.severity = CASE i.status WHEN 'behind' THEN 'WARN' ELSE 'ERROR' END)
                     AS _flagged
            FROM marts.indicators i
            WHERE i.as_of = ? AND i.status IN ('behind', 'critical')
            """,
            [as_of],
        ).df()
    )
    cover_rules = [
        Rule(
            "in_set",
            ("_flagged",),
            "every behind/critical row has a WARN/ERROR flag",
            values=(True,),
        )
    ]
    _run(report, "marts.flags.coverage", coverage, [r.expectation() for r in cover_rules])
    report.rows_total = len(flags)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class BusinessOutcome:
    """A business check's verdict for one indicator family."""

    family: str
    report: SuiteReport
    clusters_behind: list[str] = field(default_factory=list)
    clusters_critical: list[str] = field(default_factory=list)
    national_status: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @property
    def worst(self) -> str:
        """``critical``, ``behind`` or ``ok``."""
        if self.clusters_critical or "critical" in self.national_status.values():
            return "critical"
        if self.clusters_behind or "behind" in self.national_status.values():
            return "behind"
        return "ok"


def _fmt(indicator: str, value: Any) -> str:
    """A figure for a check's description, in the way its catalogue unit reads."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    unit = CATALOGUE[indicator].unit if indicator in CATALOGUE else "index"
    if unit in ("share", "ratio", "growth"):
        return f"{float(value):.1%}"
    if unit in ("count", "dkk"):
        return f"{float(value):,.0f}"
    return f"{float(value):.2f}"


def business_status(con: duckdb.DuckDBPyConnection, as_of: dt.date, family: str) -> BusinessOutcome:
    """Which clusters are behind / critical on the current row of each indicator of ``family``.

    The current row is ``to_date`` where it exists, else ``all``, else the latest year.
    """
    started = time.perf_counter()
    indicators = FAMILIES[family]
    report = SuiteReport(suite=f"marts.indicators.business.{family}")
    frame = _indexed(
        con.execute(
            f"""
            SELECT cluster_id, indicator, period, value, target, expected, n_firms, status
            FROM marts.indicators
            WHERE as_of = ? AND indicator IN ({_in_list(indicators)})
            QUALIFY row_number() OVER (
                PARTITION BY cluster_id, indicator
                ORDER BY CASE period WHEN 'to_date' THEN 0 WHEN 'all' THEN 1 ELSE 2 END, period DESC
            ) = 1
            ORDER BY cluster_id = 'ALL', cluster_id, indicator
            """,
            [as_of],
        ).df()
    )
    e = expectations()
    checks = [
        Expectation(
            "no cluster critical",
            e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["critical"]),
        ),
        Expectation(
            "no cluster behind",
            e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["behind"]),
        ),
    ]
    _run(report, report.suite, frame, checks)
    outcome = BusinessOutcome(family=family, report=report)
    table_rows = []
    for row in frame.itertuples(index=False):
        if row.status not in ("behind", "critical"):
            continue
        figure = f"{_fmt(row.indicator, row.value)}"
        if row.expected == row.expected and row.expected is not None:
            figure += f" vs expected {_fmt(row.indicator, row.expected)}"
        if row.target == row.target and row.target is not None:
            figure += f" (target {_fmt(row.indicator, row.target)})"
        outcome.lines.append(
            f"{row.cluster_id}: {row.indicator} {row.period} {figure} -> {row.status}"
        )
        table_rows.append(
            (
                row.cluster_id,
                row.indicator,
                row.period,
                row.value,
                row.expected,
                row.target,
                row.status,
            )
        )
        if row.cluster_id == "ALL":
            outcome.national_status[row.indicator] = row.status
        elif row.status == "critical":
            if row.cluster_id not in outcome.clusters_critical:
                outcome.clusters_critical.append(row.cluster_id)
        elif row.cluster_id not in outcome.clusters_behind:
            outcome.clusters_behind.append(row.cluster_id)
    # A cluster critical on one indicator and behind on another is named as critical only.
    outcome.clusters_behind = [
        c for c in outcome.clusters_behind if c not in outcome.clusters_critical
    ]
    report.extra_metadata["flagged_rows"] = records_table(
        ["cluster", "indicator", "period", "value", "expected", "target", "status"], table_rows
    )
    report.rows_total = len(frame)
    report.seconds = time.perf_counter() - started
    return outcome
