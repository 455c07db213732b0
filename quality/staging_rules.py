"""Which rules apply to each staging table: the GX suites of the input contract, derived from
:mod:`pipelines.core.contract` (nothing of the contract is re-typed here).

Structural rules (the contract suite, ERROR, blocking): columns, required values, ranges, codes,
CVR/NACE formats, unique natural key, date order, references. Statistical rules (WARN): the
contract's "kept but flagged" cases and plausibility.

Helper columns turn cross-table and cross-column rules into column rules: each is a SQL
expression over the staging row ``t`` (bound parameters come from the thresholds), computed in
DuckDB before the frame goes to GX.
"""

from __future__ import annotations

from pipelines.core.config import Thresholds
from pipelines.core.contract import CLUSTER_SCOPE_WORDS, CLUSTER_SCOPES, DATASETS, THEMES, Dataset
from quality.rules import Rule

CVR_PATTERN = r"^[0-9]{8}$"
NACE_PATTERN = r"^[0-9]{2,6}$"


HELPER_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        # the one definition of the rule (sql/ddl/functions.sql), as marts.flags applies it
        "_revenue_mismatch": (
            "revenue_mismatch(t.revenue_total_dkk, funding_lines(t), $revenue_mismatch_tolerance)"
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
    "applications": {
        # the board never awards more than was applied for (outputs.md, re-allocation)
        "_awarded_within_applied": (
            "((SELECT coalesce(sum(g.awarded_dkk), 0) FROM staging.grants g "
            "WHERE g.cluster_id = t.cluster_id AND g.grant_type = t.grant_type) <= t.applied_dkk)"
        ),
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
                f"{ds.cluster_column} is {CLUSTER_SCOPE_WORDS[ds.cluster_scope]}",
                values_sql=f"SELECT cluster_id FROM {CLUSTER_SCOPES[ds.cluster_scope]}",
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
    if not ds.optional:  # an optional dataset may never be delivered (inputs.md)
        rules.append(Rule("row_count", (), "table has rows", structural=False, min_value=1))
    if dataset_name == "accounts":
        rules.append(
            Rule(
                "in_set",
                ("_revenue_mismatch",),
                f"revenue total within {thresholds.revenue_mismatch_tolerance:.0%} of the funding lines",
                structural=False,
                values=(False,),
            )
        )
    for column in (c for c in ds.columns if c.kind == "theme"):
        rules.append(
            Rule(
                "in_set",
                (f"{column.name}_original",),
                f"{column.name} delivered as a known code",
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
    if dataset_name == "applications":
        rules.append(
            Rule(
                "in_set",
                ("_awarded_within_applied",),
                "grants of the type award no more than was applied for",
                structural=False,
                values=(True,),
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
