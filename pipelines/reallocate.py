"""``impact reallocate``: the re-allocation what-if for returned funds ("tilbageløb").

The board allocates returned funds by its own method (outputs.md, "Re-allocation what-if"):
proportional to each application's weighted score x applied amount, never above what was applied
for. Eligible are the ``applications`` rows of granted clusters other than ``--from`` that have at
least one grant of that type. For each: current = the awarded DKK of the cluster's grants of the
type, headroom = max(0, applied - current), w = weighted score x applied. The increments are
Δ_i = min(headroom_i, μ w_i), μ chosen so that ΣΔ = min(amount, Σ headroom of the rows with w > 0)
(water-filling, :func:`water_fill`); what cannot be placed is reported as unallocated. The SME
targets are scaled to the new amounts: floor(target x new / current).

Reads the warehouse read-only and never writes to it; prints the table in Danish number style and
writes it as CSV (plain numbers, ``.`` decimals) when asked. Exit 2 with a clear message when no
applications were delivered or ``--from`` is not an applicant of the board decision.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import duckdb

from pipelines.core.warehouse import connect_reader, fetch_all

EXIT_OK, EXIT_USAGE = 0, 2
CSV_HEADER = (
    "cluster_id", "grant_type", "current_dkk", "increment_dkk", "new_dkk", "target_smes",
    "new_target_smes",
)  # fmt: skip


class ReallocationError(ValueError):
    """The what-if cannot be computed: no applications, an unknown cluster, a bad amount."""


@dataclass(frozen=True)
class Eligible:
    """An eligible application: what the cluster has now for the grant type and what it applied for."""

    cluster_id: str
    grant_type: str
    applied_dkk: float
    weighted_score: float
    current_dkk: float
    target_smes: int

    @property
    def headroom(self) -> float:
        return max(0.0, self.applied_dkk - self.current_dkk)

    @property
    def weight(self) -> float:
        return self.weighted_score * self.applied_dkk


@dataclass(frozen=True)
class Row:
    """One line of the what-if table."""

    cluster_id: str
    grant_type: str
    current_dkk: float
    increment_dkk: float
    target_smes: int

    @property
    def new_dkk(self) -> float:
        return self.current_dkk + self.increment_dkk

    @property
    def new_target_smes(self) -> int:
        """floor(target x new / current), exact on the floating-point amounts (an increment of
        0 gives the target itself); the target unchanged where nothing is awarded yet."""
        if self.current_dkk <= 0:
            return self.target_smes
        scaled = Fraction(self.target_smes) * Fraction(self.new_dkk) / Fraction(self.current_dkk)
        return math.floor(scaled)


@dataclass(frozen=True)
class Reallocation:
    amount_dkk: float
    from_cluster: str | None
    rows: tuple[Row, ...]
    unallocated_dkk: float  # what cannot be placed: the amount beyond Σ headroom of rows with w > 0


def water_fill(weights: Sequence[float], headrooms: Sequence[float], amount: float) -> list[float]:
    """Increments Δ_i = min(headroom_i, μ w_i), μ >= 0 such that ΣΔ = min(amount, Σ headroom_i
    over w_i > 0). A row with w = 0 never receives anything.

    Rows are capped in order of headroom / w (the first to fill up at a common μ); once the next
    row would not be filled by the μ that spreads the rest over the rows left, every row left gets
    its share μ w_i of the rest.
    """
    if len(weights) != len(headrooms):
        raise ValueError("weights and headrooms differ in length")
    out = [0.0] * len(weights)
    open_rows = [i for i, (w, h) in enumerate(zip(weights, headrooms, strict=True)) if w > 0 and h > 0]
    total = math.fsum(headrooms[i] for i in open_rows)
    if amount <= 0 or not open_rows:
        return out
    if amount >= total:
        for i in open_rows:
            out[i] = float(headrooms[i])
        return out
    order = sorted(open_rows, key=lambda i: headrooms[i] / weights[i])
    remaining = float(amount)
    k = 0
    while k < len(order):
        i = order[k]
        mu = remaining / math.fsum(weights[j] for j in order[k:])
        if headrooms[i] > mu * weights[i]:
            break
        out[i] = float(headrooms[i])
        remaining -= headrooms[i]
        k += 1
    if k < len(order):
        mu = max(0.0, remaining) / math.fsum(weights[j] for j in order[k:])
        for i in order[k:]:
            out[i] = min(float(headrooms[i]), mu * weights[i])
    return out


def allocate(eligible: Sequence[Eligible], amount: float, from_cluster: str | None) -> Reallocation:
    """The what-if table for ``amount`` DKK over the ``eligible`` applications."""
    increments = water_fill([e.weight for e in eligible], [e.headroom for e in eligible], amount)
    rows = tuple(
        Row(e.cluster_id, e.grant_type, e.current_dkk, d, e.target_smes)
        for e, d in zip(eligible, increments, strict=True)
    )
    placeable = math.fsum(e.headroom for e in eligible if e.weight > 0)
    return Reallocation(float(amount), from_cluster, rows, max(0.0, float(amount) - placeable))


# --- the warehouse ---------------------------------------------------------------------------------

ELIGIBLE_SQL = """
SELECT a.cluster_id, a.grant_type, a.applied_dkk, a.weighted_score,
       sum(g.awarded_dkk) AS current_dkk, CAST(sum(g.target_smes) AS BIGINT) AS target_smes
FROM staging.applications AS a
JOIN reference.board_decision AS b ON b.cluster_id = a.cluster_id AND b.decision = 'granted'
JOIN staging.grants AS g ON g.cluster_id = a.cluster_id AND g.grant_type = a.grant_type
WHERE a.cluster_id IS DISTINCT FROM $from_cluster
GROUP BY ALL
ORDER BY a.cluster_id, a.grant_type
"""


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        fetch_all(
            con,
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $s AND table_name = $t",
            {"s": schema, "t": table},
        )
    )


def load_eligible(
    con: duckdb.DuckDBPyConnection, from_cluster: str | None
) -> list[Eligible]:
    """The eligible applications (a read-only connection is enough)."""
    if not _has_table(con, "staging", "applications") or not fetch_all(
        con, "SELECT 1 FROM staging.applications LIMIT 1"
    ):
        raise ReallocationError(
            "no applications were delivered: the what-if needs the scored applications "
            "(dataset 'applications', inbox folder applications/); deliver them and run `impact run`"
        )
    applicants = {r[0] for r in fetch_all(con, "SELECT cluster_id FROM reference.board_decision")}
    if from_cluster is not None and from_cluster not in applicants:
        raise ReallocationError(
            f"unknown cluster {from_cluster!r}: --from must be an applicant of the board decision "
            f"({', '.join(sorted(applicants))})"
        )
    return [
        Eligible(c, t, float(applied), float(score), float(current), int(target))
        for c, t, applied, score, current, target in fetch_all(
            con, ELIGIBLE_SQL, {"from_cluster": from_cluster}
        )
    ]


# --- output ----------------------------------------------------------------------------------------


def danish_number(value: float, decimals: int = 0) -> str:
    """``1234567.5`` -> ``1.234.568`` (0 decimals) / ``1.234.567,50``: Danish number style."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def plain_amount(value: float) -> str:
    """A DKK amount for the CSV: ``.`` decimals, to the øre, no thousands separator."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def table_text(result: Reallocation) -> str:
    """The what-if as a table for the terminal, kroner in Danish number style."""
    headers = CSV_HEADER
    body = [
        (
            r.cluster_id, r.grant_type, danish_number(r.current_dkk), danish_number(r.increment_dkk),
            danish_number(r.new_dkk), danish_number(r.target_smes), danish_number(r.new_target_smes),
        )
        for r in result.rows
    ]  # fmt: skip
    unallocated = ("unallocated", "", "", danish_number(result.unallocated_dkk), "", "", "")
    lines_in = [headers, *body, unallocated]
    widths = [max(len(line[i]) for line in lines_in) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    source = f" returned by {result.from_cluster}" if result.from_cluster else ""
    lines = [
        f"Re-allocation of DKK {danish_number(result.amount_dkk)}{source}: proportional to weighted "
        "score x applied amount, never above what was applied for (amounts in DKK).",
        line(headers),
        *(line(cells) for cells in body),
        line(unallocated),
    ]
    if not result.rows:
        lines.insert(2, "(no eligible application: nothing can be placed)")
    return "\n".join(lines)


def write_csv(result: Reallocation, path: Path) -> None:
    """The CSV of the contract: its header, one row per eligible application, the unallocated row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for r in result.rows:
            writer.writerow(
                (
                    r.cluster_id, r.grant_type, plain_amount(r.current_dkk),
                    plain_amount(r.increment_dkk), plain_amount(r.new_dkk), r.target_smes,
                    r.new_target_smes,
                )
            )  # fmt: skip
        writer.writerow(("unallocated", "", "", plain_amount(result.unallocated_dkk), "", "", ""))


def reallocate(
    amount: float,
    from_cluster: str | None,
    warehouse: Path,
    as_of: dt.date | None = None,  # accepted (the contract's flag); the what-if does not use it
    csv_path: Path | None = None,
) -> int:
    """``impact reallocate``: print the what-if (and write its CSV); exit 0, or 2 with a message."""
    if not math.isfinite(amount) or amount < 0:
        print(f"impact reallocate: --amount must be a number of DKK >= 0, got {amount}", file=sys.stderr)
        return EXIT_USAGE
    cluster = from_cluster.strip().lower() if from_cluster else None
    if not warehouse.exists():
        print(
            f"impact reallocate: no warehouse at {warehouse}, so no applications were delivered; "
            "run `impact run` over an inbox with applications/ first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        with connect_reader(warehouse) as con:
            eligible = load_eligible(con, cluster)
    except ReallocationError as exc:
        print(f"impact reallocate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = allocate(eligible, amount, cluster)
    print(table_text(result))
    if csv_path is not None:
        write_csv(result, csv_path)
        print(f"CSV written to {csv_path}")
    return EXIT_OK
