"""GX suites for the staging tables, validated in a way that scales to the national register.

How a table is validated (``validate_staging_table``):

* **Small tables** (at most ``full_max_rows`` rows, default 200,000): the whole table, with the
  helper columns of :data:`quality.rules.HELPER_COLUMNS`, goes to GX as one pandas frame. GX's
  counts are exact.
* **Large tables** (the firm register: ~2.4M rows): DuckDB does the heavy lifting. One aggregate
  scan counts the violations of every row-level rule exactly (``count_if(<predicate>)``), one
  ``GROUP BY`` finds duplicate keys. GX then validates a compact frame: the offending rows (at most
  ``suspect_cap`` per rule, the first in table order, so every violated rule is represented and
  the same table always gives the same frame) plus a reservoir sample of
  ``sample_rows`` rows. A strict rule (no ``mostly``) therefore fails in GX exactly when DuckDB
  found a violation; the metadata reports DuckDB's exact counts. Rules with a ``mostly`` tolerance
  are proportions and are estimated by GX on the sample alone.

Column presence and types are validated separately, on a frame built from
``information_schema.columns`` against the contract's declared kinds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from pipelines.core.config import Thresholds
from pipelines.core.contract import DATASETS
from pipelines.core.warehouse import fetch_all, used_params
from quality.gx_runner import Expectation, ExpectationOutcome, expectations, validate_frame
from quality.results import SuiteReport, offending_rows
from quality.rules import Rule, quote_ident, split_rules
from quality.staging_rules import HELPER_COLUMNS, staging_rules

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ScaleOptions:
    """How much of a large table goes to GX."""

    full_max_rows: int = 200_000
    sample_rows: int = 20_000
    suspect_cap: int = 200
    seed: int = 42

    @classmethod
    def from_env(cls) -> ScaleOptions:
        """Defaults, overridable by ``IMPACT_GX_FULL_MAX_ROWS`` / ``IMPACT_GX_SAMPLE_ROWS``."""
        base = cls()
        return cls(
            full_max_rows=int(os.environ.get("IMPACT_GX_FULL_MAX_ROWS") or base.full_max_rows),
            sample_rows=int(os.environ.get("IMPACT_GX_SAMPLE_ROWS") or base.sample_rows),
        )


_KIND_FAMILY = {
    "text": "text",
    "cvr": "text",
    "code": "text",
    "theme": "text",
    "nace": "text",
    "region": "text",
    "int": "integer",
    "number": "numeric",
    "date": "date",
    "bool": "boolean",
}
_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}


def type_family(duckdb_type: str | None, expected: str) -> str | None:
    """The contract family a DuckDB column type satisfies (integers also satisfy ``numeric``)."""
    if duckdb_type is None:
        return None
    t = duckdb_type.upper()
    if t in _INTEGER_TYPES:
        return "numeric" if expected == "numeric" else "integer"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return "numeric"
    if t == "VARCHAR":
        return "text"
    if t == "DATE":
        return "date"
    if t == "BOOLEAN":
        return "boolean"
    return t.lower()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the warehouse."""
    rows = fetch_all(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    )
    return bool(rows[0][0])


def validate_schema(con: duckdb.DuckDBPyConnection, dataset: str) -> list[ExpectationOutcome]:
    """Columns of ``staging.<dataset>`` present and of the contract's type family (GX on a schema frame)."""
    import pandas as pd

    actual = dict(
        fetch_all(
            con,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'staging' AND table_name = ?",
            [dataset],
        )
    )
    rows = []
    for c in DATASETS[dataset].columns:
        expected = _KIND_FAMILY[c.kind]
        rows.append(
            {
                "column": c.name,
                "expected_family": expected,
                "actual_type": actual.get(c.name),
                "actual_family": type_family(actual.get(c.name), expected),
            }
        )
    frame = pd.DataFrame(rows).set_index("column", drop=False)
    e = expectations()
    checks = [
        Expectation(
            "contract columns present", e.ExpectColumnValuesToNotBeNull(column="actual_type")
        ),
        Expectation(
            "column types match the contract",
            e.ExpectColumnPairValuesToBeEqual(
                column_A="actual_family", column_B="expected_family", ignore_row_if="neither"
            ),
        ),
    ]
    return validate_frame(f"staging.{dataset}.schema", frame, checks)


def _relation(dataset: str, rules: Sequence[Rule], sample: tuple[int, int] | None = None) -> str:
    """The table (or a sample of it) with ``_rowid`` and the helper columns the rules use."""
    used = {c for r in rules for c in r.columns}
    helpers = [
        f"{expr} AS {quote_ident(name)}"
        for name, expr in HELPER_COLUMNS.get(dataset, {}).items()
        if name in used
    ]
    sampling = (
        f" USING SAMPLE reservoir({sample[0]} ROWS) REPEATABLE ({sample[1]})" if sample else ""
    )
    base = f"(SELECT rowid AS _rowid, * FROM staging.{quote_ident(dataset)}{sampling}) AS t"
    return f"SELECT {', '.join(['t.*', *helpers])} FROM {base}"


def _frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, float] | None = None
) -> pd.DataFrame:
    frame = con.execute(query, used_params(query, params)).df()
    frame.index = frame["_rowid"].to_numpy()
    return frame


def validate_staging_table(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    structural: bool,
    thresholds: Thresholds | None = None,
    scale: ScaleOptions | None = None,
) -> SuiteReport:
    """Run the structural (contract) or the statistical suite of ``staging.<dataset>``."""
    import pandas as pd

    started = time.perf_counter()
    scale = scale or ScaleOptions.from_env()
    kind = "contract" if structural else "statistics"
    report = SuiteReport(suite=f"staging.{dataset}.{kind}")
    if not table_exists(con, "staging", dataset):
        report.outcomes.append(
            ExpectationOutcome(
                label="table exists",
                success=False,
                structural=True,
                expectation_type="table_exists",
                error=f"staging.{dataset} does not exist",
            )
        )
        report.seconds = time.perf_counter() - started
        return report

    if structural:
        report.outcomes += validate_schema(con, dataset)
        if not all(o.success for o in report.outcomes):
            # Row rules would fail on missing columns; the schema failure says it all.
            report.seconds = time.perf_counter() - started
            return report

    rules = [r.resolve(con) for r in split_rules(staging_rules(dataset, thresholds), structural)]
    params = (thresholds or Thresholds()).as_params()  # bound into helper columns that use them
    total = fetch_all(con, f"SELECT count(*) FROM staging.{quote_ident(dataset)}")[0][0]
    report.rows_total = int(total)
    suite = report.suite

    if total <= scale.full_max_rows:
        frame = _frame(con, _relation(dataset, rules), params)
        outcomes = validate_frame(suite, frame, [r.expectation() for r in rules])
        report.outcomes += outcomes
        report.validated_rows = len(frame)
        report.mode = "full table"
        report.offending_rows = offending_rows(frame, outcomes)
        report.seconds = time.perf_counter() - started
        return report

    # Large table: exact counts in DuckDB, compact frame for GX.
    strict = [r for r in rules if r.strict]
    proportional = [r for r in rules if not r.strict]
    row_rules = [r for r in strict if r.violation_sql() is not None]
    relation = _relation(dataset, rules)
    if row_rules:
        count_sql = (
            "SELECT "
            + ", ".join(f"count_if({r.violation_sql()})" for r in row_rules)
            + f" FROM ({relation}) AS v"
        )
        counts = fetch_all(con, count_sql, used_params(count_sql, params))[0]
        report.exact_counts.update(
            {r.label: int(n) for r, n in zip(row_rules, counts, strict=True)}
        )
    parts: list[pd.DataFrame] = []
    for r in row_rules:
        if report.exact_counts[r.label]:
            parts.append(
                _frame(
                    con,
                    f"SELECT * FROM ({relation}) AS v WHERE {r.violation_sql()} "
                    f"ORDER BY v._rowid LIMIT {scale.suspect_cap}",
                    params,
                )
            )
    for r in strict:
        if r.kind != "unique":
            continue
        keys = ", ".join(quote_ident(c) for c in r.columns)
        groups, dup_rows = fetch_all(
            con,
            f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT {keys}, count(*) AS n "
            f"FROM staging.{quote_ident(dataset)} GROUP BY ALL HAVING count(*) > 1)",
        )[0]
        report.exact_counts[r.label] = int(dup_rows)
        if groups:
            join = " AND ".join(
                f"v.{quote_ident(c)} IS NOT DISTINCT FROM d.{quote_ident(c)}" for c in r.columns
            )
            parts.append(
                _frame(
                    con,
                    f"SELECT v.* FROM ({relation}) AS v JOIN (SELECT {keys} FROM staging.{quote_ident(dataset)} "
                    f"GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT {max(1, scale.suspect_cap // 2)}) "
                    f"AS d ON {join} ORDER BY v._rowid",
                    params,
                )
            )
    sample = _frame(con, _relation(dataset, rules, (scale.sample_rows, scale.seed)), params)
    compact = pd.concat([*parts, sample]) if parts else sample
    compact = compact[~compact.index.duplicated()]
    outcomes = validate_frame(suite, compact, [r.expectation() for r in strict])
    if proportional:
        outcomes += validate_frame(
            f"{suite}.sampled", sample, [r.expectation() for r in proportional]
        )
        report.notes.append(
            f"Proportion rules ({', '.join(r.label for r in proportional)}) estimated on a "
            f"sample of {len(sample)} rows."
        )
    for o in outcomes:  # belt and braces: an exact violation count fails the rule
        if report.exact_counts.get(o.label) and o.success:
            o.success = False
    report.outcomes += outcomes
    report.validated_rows = len(compact)
    report.mode = (
        f"pushdown: exact violation counts in DuckDB over {total} rows; GX on "
        f"{len(compact) - len(sample)} offending rows + a {len(sample)}-row sample"
    )
    report.offending_rows = offending_rows(compact, outcomes)
    report.seconds = time.perf_counter() - started
    return report
