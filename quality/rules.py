"""Expectation rules, each usable two ways: as a GX expectation and as a DuckDB predicate.

A :class:`Rule` is declared once. :meth:`Rule.expectation` builds the GX 1.x expectation that the
check hands to GX; :meth:`Rule.violation_sql` is the same rule as a row-level SQL predicate, which
the staging checks use to count violations over the whole table in DuckDB and to pick the
offending rows that make up the compact frame GX validates (see :mod:`quality.staging`).

The staging suites are derived from :mod:`pipelines.core.contract` by :func:`staging_rules`;
nothing of the contract is re-typed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import duckdb

from pipelines.core.config import Thresholds
from pipelines.core.contract import DATASETS, THEMES, Dataset
from pipelines.core.warehouse import fetch_all
from quality.gx_runner import Expectation, expectations

RuleKind = Literal["not_null", "between", "in_set", "regex", "pair_greater", "unique", "row_count"]

CVR_PATTERN = r"^[0-9]{8}$"
NACE_PATTERN = r"^[0-9]{2,6}$"
GRANTED_CLUSTERS_SQL = "SELECT cluster_id FROM reference.clusters"


def quote_ident(name: str) -> str:
    """Quote a SQL identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A SQL literal for a value of a code set (text, bool or number)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Rule:
    """One expectation about a table, in a form both GX and DuckDB can evaluate.

    ``structural`` rules break the input contract (ERROR, blocking); the others are statistical
    (WARN). ``values_sql`` names a reference query whose values are fetched at run time
    (referential integrity) - see :meth:`resolve`.
    """

    kind: RuleKind
    columns: tuple[str, ...]
    label: str
    structural: bool = True
    mostly: float = 1.0
    min_value: float | None = None
    max_value: float | None = None
    strict_min: bool = False
    values: tuple[Any, ...] | None = None
    values_sql: str | None = None
    pattern: str | None = None
    or_equal: bool = False

    @property
    def strict(self) -> bool:
        """True when a single violating row fails the rule (no ``mostly`` tolerance)."""
        return self.mostly >= 1.0

    def resolve(self, con: duckdb.DuckDBPyConnection) -> Rule:
        """Fetch the value set of a referential rule (no-op for other rules)."""
        if self.values_sql is None or self.values is not None:
            return self
        values = tuple(row[0] for row in fetch_all(con, self.values_sql) if row[0] is not None)
        return replace(self, values=values)

    def violation_sql(self) -> str | None:
        """A predicate over the rule's relation that is true for each violating row.

        ``None`` for table-level rules (row count, uniqueness), which the checks count otherwise.
        Null values violate only ``not_null`` rules, as in GX.
        """
        if self.kind in ("unique", "row_count"):
            return None
        col = quote_ident(self.columns[0])
        if self.kind == "not_null":
            return f"{col} IS NULL"
        if self.kind == "between":
            parts = []
            if self.min_value is not None:
                op = "<=" if self.strict_min else "<"
                parts.append(f"{col} {op} {self.min_value!r}")
            if self.max_value is not None:
                parts.append(f"{col} > {self.max_value!r}")
            return f"({col} IS NOT NULL AND ({' OR '.join(parts) or 'FALSE'}))"
        if self.kind == "in_set":
            if self.values is not None:
                members = ", ".join(sql_literal(v) for v in self.values) or "NULL"
                return f"({col} IS NOT NULL AND {col} NOT IN ({members}))"
            assert self.values_sql is not None
            return (
                f"({col} IS NOT NULL AND {col} NOT IN "
                f"(SELECT ref_value FROM ({self.values_sql}) AS ref(ref_value) WHERE ref_value IS NOT NULL))"
            )
        if self.kind == "regex":
            return f"({col} IS NOT NULL AND NOT regexp_full_match(CAST({col} AS VARCHAR), {sql_literal(self.pattern)}))"
        if self.kind == "pair_greater":
            a, b = (quote_ident(c) for c in self.columns)
            op = ">=" if self.or_equal else ">"
            return f"({a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {op} {b}))"
        return None

    def expectation(self) -> Expectation:
        """The GX expectation for this rule (resolve referential rules first)."""
        e = expectations()
        mostly = {"mostly": self.mostly} if self.mostly < 1.0 else {}
        col = self.columns[0] if self.columns else ""
        if self.kind == "not_null":
            gx_exp = e.ExpectColumnValuesToNotBeNull(column=col, **mostly)
        elif self.kind == "between":
            gx_exp = e.ExpectColumnValuesToBeBetween(
                column=col,
                min_value=self.min_value,
                max_value=self.max_value,
                strict_min=self.strict_min,
                **mostly,
            )
        elif self.kind == "in_set":
            if self.values is None:
                raise ValueError(f"rule {self.label!r}: resolve() the value set first")
            gx_exp = e.ExpectColumnValuesToBeInSet(
                column=col, value_set=list(self.values), **mostly
            )
        elif self.kind == "regex":
            gx_exp = e.ExpectColumnValuesToMatchRegex(column=col, regex=self.pattern, **mostly)
        elif self.kind == "pair_greater":
            gx_exp = e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=self.columns[0],
                column_B=self.columns[1],
                or_equal=self.or_equal,
                ignore_row_if="either_value_is_missing",
                **mostly,
            )
        elif self.kind == "unique":
            if len(self.columns) == 1:
                gx_exp = e.ExpectColumnValuesToBeUnique(column=col)
            else:
                gx_exp = e.ExpectCompoundColumnsToBeUnique(column_list=list(self.columns))
        elif self.kind == "row_count":
            gx_exp = e.ExpectTableRowCountToBeBetween(
                min_value=self.min_value, max_value=self.max_value
            )
        else:  # pragma: no cover - Literal exhausts the kinds
            raise ValueError(self.kind)
        return Expectation(self.label, gx_exp, self.structural)


# --- Helper columns: derived per row in DuckDB, so that cross-table rules become column rules ---

_FUNDING_LINES = (
    "deb_funding_dkk",
    "other_public_funding_dkk",
    "membership_fees_dkk",
    "sponsorships_dkk",
    "user_payments_dkk",
    "other_private_cash_dkk",
)

HELPER_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        "_revenue_gap_share": (
            "CASE WHEN t.revenue_total_dkk = 0 THEN "
            f"CASE WHEN ({' + '.join('coalesce(t.' + c + ', 0)' for c in _FUNDING_LINES)}) = 0 THEN 0 ELSE 1 END "
            f"ELSE abs(t.revenue_total_dkk - ({' + '.join('coalesce(t.' + c + ', 0)' for c in _FUNDING_LINES)})) "
            "/ abs(t.revenue_total_dkk) END"
        ),
    },
    "activities": {
        "_grant_known": "(t.grant_id IN (SELECT grant_id FROM staging.grants))",
    },
    "participation": {
        "_in_firm_register": "EXISTS (SELECT 1 FROM staging.firms f WHERE f.cvr = t.cvr)",
        "_activity_known": "(t.activity_id IN (SELECT activity_id FROM staging.activities))",
    },
    "innovation_outcomes": {
        "_activity_known": "(t.activity_id IN (SELECT activity_id FROM staging.activities))",
        "_has_participation": (
            "EXISTS (SELECT 1 FROM staging.participation p "
            "WHERE p.activity_id = t.activity_id AND p.cvr = t.cvr)"
        ),
        "_grant_type": (
            "(SELECT min(g.grant_type) FROM staging.activities a "
            "JOIN staging.grants g ON g.grant_id = a.grant_id WHERE a.activity_id = t.activity_id)"
        ),
        "_concept_date_given": "(NOT t.concept_developed OR t.concept_date IS NOT NULL)",
    },
    "survey_network": {
        "_self_relation": "(t.org_id = t.partner_id)",
    },
}


def _column_rules(dataset: Dataset) -> list[Rule]:
    rules: list[Rule] = []
    for c in dataset.columns:
        if c.required:
            rules.append(Rule("not_null", (c.name,), f"{c.name} not null"))
        if c.kind == "cvr":
            rules.append(Rule("regex", (c.name,), f"{c.name} is 8 digits", pattern=CVR_PATTERN))
        elif c.kind == "nace":
            rules.append(Rule("regex", (c.name,), f"{c.name} is 2-6 digits", pattern=NACE_PATTERN))
        elif c.kind == "theme":
            rules.append(Rule("in_set", (c.name,), f"{c.name} is a theme code", values=THEMES))
        if c.codes:
            rules.append(
                Rule("in_set", (c.name,), f"{c.name} in {'/'.join(c.codes)}", values=c.codes)
            )
        if c.min_value is not None or c.max_value is not None:
            lo = (
                "" if c.min_value is None else f"{'>' if c.min_exclusive else '>='} {c.min_value:g}"
            )
            hi = "" if c.max_value is None else f"<= {c.max_value:g}"
            rules.append(
                Rule(
                    "between",
                    (c.name,),
                    f"{c.name} {' and '.join(p for p in (lo, hi) if p)}",
                    min_value=c.min_value,
                    max_value=c.max_value,
                    strict_min=c.min_exclusive,
                )
            )
    return rules


def staging_rules(dataset_name: str, thresholds: Thresholds | None = None) -> list[Rule]:
    """Every rule for ``staging.<dataset_name>``, structural and statistical, from the contract."""
    thresholds = thresholds or Thresholds()
    ds = DATASETS[dataset_name]
    rules = _column_rules(ds)
    key_label = f"key ({', '.join(ds.key)}) unique"
    rules.append(Rule("unique", ds.key, key_label))
    if ds.date_order:
        start, end = ds.date_order
        rel = "after" if ds.end_strictly_after else "on or after"
        rules.append(
            Rule(
                "pair_greater",
                (end, start),
                f"{end} {rel} {start}",
                or_equal=not ds.end_strictly_after,
            )
        )
    if ds.cluster_column:
        rules.append(
            Rule(
                "in_set",
                (ds.cluster_column,),
                f"{ds.cluster_column} is a granted cluster",
                values_sql=GRANTED_CLUSTERS_SQL,
            )
        )
    # Referential rules against large tables are helper columns computed by a DuckDB semi-join
    # (HELPER_COLUMNS): a value set of 30,000 ids would be pasted into SQL and serialised by GX
    # for every expectation (measured: 15 s for participation at national scale).
    if ds.grant_column:
        rules.append(
            Rule("in_set", ("_grant_known",), f"{ds.grant_column} is in staging.grants", values=(True,))
        )
    if ds.activity_column:
        rules.append(
            Rule(
                "in_set",
                ("_activity_known",),
                f"{ds.activity_column} is in staging.activities",
                values=(True,),
            )
        )
    if ds.activity_must_be_innovation:
        # Statistical, not structural: ingestion rejects an outcome for a cluster-grant activity
        # when it arrives, but a later file may legitimately re-deliver the activity under a
        # cluster grant (or correct the grant's type). The outcomes accepted earlier then no
        # longer qualify; the models ignore them (qualifying_events joins innovation grants only).
        # Blocking here would stop every indicator over a correction (docs/ingestion-decisions.md).
        rules.append(
            Rule(
                "in_set",
                ("_grant_type",),
                "activity belongs to an innovation grant",
                structural=False,
                values=("innovation",),
            )
        )
    if ds.needs_participation:
        rules.append(
            Rule(
                "in_set", ("_has_participation",), "outcome has a participation row", values=(True,)
            )
        )
    if dataset_name == "innovation_outcomes":
        rules.append(
            Rule(
                "in_set",
                ("_concept_date_given",),
                "concept_date given when concept developed",
                values=(True,),
            )
        )

    # Statistical rules (WARN): plausibility and the contract's "kept but flagged" cases.
    rules.append(Rule("row_count", (), "table has rows", structural=False, min_value=1))
    if dataset_name == "accounts":
        rules.append(
            Rule(
                "between",
                ("_revenue_gap_share",),
                f"revenue total within {thresholds.revenue_mismatch_tolerance:.0%} of the funding lines",
                structural=False,
                min_value=0,
                max_value=thresholds.revenue_mismatch_tolerance,
            )
        )
    if "theme_original" in _staging_extra_columns(dataset_name):
        rules.append(
            Rule(
                "in_set",
                ("theme_original",),
                "theme delivered as a known code",
                structural=False,
                values=THEMES,
            )
        )
    if dataset_name == "participation":
        rules.append(
            Rule(
                "in_set",
                ("_in_firm_register",),
                "participating firm found in the firm register",
                structural=False,
                mostly=1.0 - thresholds.unverified_share_flag,
                values=(True,),
            )
        )
    if dataset_name == "firms":
        rules.append(
            Rule(
                "not_null",
                ("turnover_dkk",),
                "turnover disclosed for most firms",
                structural=False,
                mostly=0.5,
            )
        )
        rules.append(
            Rule(
                "between",
                ("employees",),
                "employees plausible (<= 100,000 FTE)",
                structural=False,
                max_value=100_000,
            )
        )
    if dataset_name == "survey_network":
        rules.append(
            Rule(
                "in_set",
                ("_self_relation",),
                "no self-relations",
                structural=False,
                values=(False,),
            )
        )
    return rules


def _staging_extra_columns(dataset_name: str) -> tuple[str, ...]:
    """Staging columns beyond the contract's (see ``sql/staging/schema.sql``)."""
    return ("theme_original",) if dataset_name in ("activities", "survey_demand") else ()


def split_rules(rules: Sequence[Rule], structural: bool) -> list[Rule]:
    """The structural (or the statistical) part of a rule list."""
    return [r for r in rules if r.structural == structural]
