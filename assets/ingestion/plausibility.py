"""Rows that the input contract accepts but that can never count: ``impact validate``'s warnings.

Ingestion accepts them (the contract has no rule against them), so they are no rejections; but an
analyst preparing a file wants to know before the file goes in:

- ``date_before_2000``: a date before 2000 (no date of this programme lies there); for a year
  column of an event (fiscal and survey years) a year before 2000.
- ``date_in_future``: the date of an event (a participation, a concept, an activity's or a
  grant's start) more than a year after today; a fiscal or survey year after next year. Typing
  errors (2062).
- ``outside_grant_window``: a participation, or a developed concept, dated before its grant's
  ``period_start`` or after its ``period_end`` (the grant of the activity): it never counts.
- ``before_activity_start``: a participation dated before its activity starts: it does not count
  until the activity has started by the reporting date, and the date is most likely wrong.
- ``outside_register_panel``: a firm-register year before the first or after the last year of
  the panel in the warehouse (``staging.firms``).

A rule whose reference is not at hand (no warehouse) is skipped, and the caller says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from pipelines.core.contract import Dataset

EARLIEST = dt.date(2000, 1, 1)
ROW = "_row_number"
WARNING_CODES: tuple[str, ...] = (
    "date_before_2000",
    "date_in_future",
    "outside_grant_window",
    "before_activity_start",
    "outside_register_panel",
)


@dataclass
class Context:
    """What the rules compare against; a frame or range left as None skips its rules."""

    today: dt.date
    # activity_id, start_date, grant_id, period_start, period_end (staging activities and grants)
    activities: pl.DataFrame | None = None
    register_years: tuple[int, int] | None = None  # first and last year of staging.firms


def _warning(condition: pl.Expr, code: str, detail: pl.Expr) -> pl.Expr:
    return pl.when(condition.fill_null(False)).then(pl.struct(pl.lit(code).alias("code"), detail.alias("detail")))


def _date_rules(dataset: Dataset, today: dt.date) -> list[pl.Expr]:
    latest = today + dt.timedelta(days=365)
    rules = []
    for c in dataset.columns:
        value = pl.col(c.name)
        if c.kind == "date":
            rules.append(
                _warning(value < EARLIEST, "date_before_2000",
                         pl.format("{} {} is before 2000", pl.lit(c.name), value.cast(pl.String)))
            )  # fmt: skip
            if c.event:
                rules.append(
                    _warning(
                        value > latest,
                        "date_in_future",
                        pl.format(
                            "{} {} is more than a year after today ({})",
                            pl.lit(c.name), value.cast(pl.String), pl.lit(today.isoformat()),
                        ),
                    )
                )
        elif c.kind == "int" and c.event:
            rules.append(
                _warning(value < EARLIEST.year, "date_before_2000",
                         pl.format("{} {} is before 2000", pl.lit(c.name), value.cast(pl.String)))
            )  # fmt: skip
            rules.append(
                _warning(
                    value > today.year + 1,
                    "date_in_future",
                    pl.format("{} {} is after next year ({})", pl.lit(c.name),
                              value.cast(pl.String), pl.lit(str(today.year + 1))),
                )
            )  # fmt: skip
    return rules


def _window_rules(date_column: str, developed_only: bool) -> list[pl.Expr]:
    date = pl.col(date_column)
    outside = (date < pl.col("_period_start")) | (date > pl.col("_period_end"))
    if developed_only:
        outside = outside & pl.col("concept_developed")
    rules = [
        _warning(
            outside,
            "outside_grant_window",
            pl.format(
                "{} {} lies outside the period of grant {} ({} to {}): it never counts",
                pl.lit(date_column), date.cast(pl.String), pl.col("_grant_id"),
                pl.col("_period_start").cast(pl.String), pl.col("_period_end").cast(pl.String),
            ),
        )
    ]
    if date_column == "participation_date":
        rules.append(
            _warning(
                date < pl.col("_start_date"),
                "before_activity_start",
                pl.format(
                    "participation_date {} is before activity {} starts ({}): it counts only once "
                    "the activity has started by the reporting date; is the date right?",
                    date.cast(pl.String), pl.col("activity_id"), pl.col("_start_date").cast(pl.String),
                ),
            )
        )
    return rules


def never_counting(accepted: pl.DataFrame, dataset: Dataset, context: Context) -> pl.DataFrame:
    """One row per warning for the accepted rows: ``row_number``, ``code``, ``detail``."""
    work = accepted.lazy()
    rules = _date_rules(dataset, context.today)
    if context.activities is not None and dataset.activity_column:
        refs = context.activities.lazy().select(
            "activity_id",
            pl.col("start_date").alias("_start_date"),
            pl.col("grant_id").alias("_grant_id"),
            pl.col("period_start").alias("_period_start"),
            pl.col("period_end").alias("_period_end"),
        ).unique("activity_id", keep="last")
        work = work.join(refs, on="activity_id", how="left", maintain_order="left")
        if dataset.name == "participation":
            rules += _window_rules("participation_date", developed_only=False)
        elif dataset.name == "innovation_outcomes":
            rules += _window_rules("concept_date", developed_only=True)
    if context.register_years is not None and dataset.name == "firms":
        first, last = context.register_years
        rules.append(
            _warning(
                (pl.col("year") < first) | (pl.col("year") > last),
                "outside_register_panel",
                pl.format(
                    "year {} lies outside the register panel in the warehouse ({}-{}): the first "
                    "delivery of a new year extends the panel, any other year is probably mistyped",
                    pl.col("year").cast(pl.String), pl.lit(str(first)), pl.lit(str(last)),
                ),
            )
        )
    if not rules:
        return pl.DataFrame(schema={"row_number": pl.Int64, "code": pl.String, "detail": pl.String})
    return (
        work.select(
            pl.col(ROW).cast(pl.Int64).alias("row_number"),
            pl.concat_list([r.alias(f"_w{i}") for i, r in enumerate(rules)]).alias("_warnings"),
        )
        .explode("_warnings")
        .drop_nulls("_warnings")
        .unnest("_warnings")
        .sort("row_number", maintain_order=True)
        .collect()
    )
