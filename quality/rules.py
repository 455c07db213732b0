"""Expectation rules, each usable two ways: as a GX expectation and as a DuckDB predicate.

A :class:`Rule` is declared once. :meth:`Rule.expectation` builds the GX 1.x expectation that the
check hands to GX; :meth:`Rule.violation_sql` is the same rule as a row-level SQL predicate, which
the staging checks use to count violations over the whole table in DuckDB and to pick the
offending rows that make up the compact frame GX validates (see :mod:`quality.staging`).

This module is the rule language only; which rules apply to which table is policy, kept in
:mod:`quality.staging_rules` (derived from the input contract) and :mod:`quality.marts`
(derived from the indicator catalogue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import duckdb

from pipelines.core.warehouse import fetch_all
from quality.gx_runner import Expectation, expectations

RuleKind = Literal["not_null", "between", "in_set", "regex", "pair_greater", "unique", "row_count"]

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


def split_rules(rules: Sequence[Rule], structural: bool) -> list[Rule]:
    """The structural (or the statistical) part of a rule list."""
    return [r for r in rules if r.structural == structural]
