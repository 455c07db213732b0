"""Vectorised parsers from delivered text to typed values, one per column kind.

Each parser takes a trimmed text expression (null where the cell is empty) and returns the typed
expression, null where the text does not parse. Callers compare "text present" with "value
parsed" to find ``bad_type`` cells, so no parser ever raises on bad input.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

DANISH_THOUSANDS = r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"
DANISH_DECIMAL = r"^[+-]?\d+,\d+$"
INTEGER_FLOAT = r"^[+-]?\d+\.0+$"
TRUE_WORDS = ["true", "1", "ja", "yes", "1.0", "sand"]
FALSE_WORDS = ["false", "0", "nej", "no", "0.0", "falsk"]
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; an empty or blank cell becomes null."""
    return expr.str.strip_chars().replace("", None)


def _danish_to_plain(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.contains(DANISH_THOUSANDS) | expr.str.contains(DANISH_DECIMAL))
        .then(expr.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(expr)
    )


NumberStyle = Literal["danish", "plain", "either"]


def number(expr: pl.Expr, style: NumberStyle) -> pl.Expr:
    """A finite float, written as the source writes numbers.

    ``danish`` (Danish Excel CSV): ``1.234.567,50``, ``12,5``; ``plain`` (comma CSV, ``.``
    decimals as the contract says): ``1234567.5`` only, so that ``"1,200"`` is ``bad_type``
    rather than silently 1.2 or 1200; ``either`` (text cells of XLSX and Parquet, which carry no
    dialect): plain first, the Danish form as a fall-back.
    """
    plain = expr.cast(pl.Float64, strict=False)
    danish = _danish_to_plain(expr).cast(pl.Float64, strict=False)
    value = {"danish": danish, "plain": plain, "either": plain.fill_null(danish)}[style]
    return pl.when(value.is_finite()).then(value)


def integer(expr: pl.Expr, style: NumberStyle) -> pl.Expr:
    """A whole number (``12``, ``12.0`` from a spreadsheet, ``1.234`` in Danish CSV)."""
    value = number(expr, style)
    return pl.when((value == value.round(0)) & (value.abs() < 2**53)).then(value).cast(pl.Int64)


def date(expr: pl.Expr) -> pl.Expr:
    """ISO ``YYYY-MM-DD``, Danish ``DD-MM-YYYY`` or ``DD.MM.YYYY``; a midnight timestamp too."""
    iso_day = pl.when(expr.str.contains(ISO_DATETIME)).then(expr.str.slice(0, 10)).otherwise(expr)
    return pl.coalesce(
        [
            pl.when(iso_day.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(
                iso_day.str.to_date("%Y-%m-%d", strict=False)
            ),
            pl.when(expr.str.contains(r"^\d{1,2}-\d{1,2}-\d{4}$")).then(
                expr.str.to_date("%d-%m-%Y", strict=False)
            ),
            pl.when(expr.str.contains(r"^\d{1,2}\.\d{1,2}\.\d{4}$")).then(
                expr.str.to_date("%d.%m.%Y", strict=False)
            ),
        ]
    )


def boolean(expr: pl.Expr) -> pl.Expr:
    lowered = expr.str.to_lowercase()
    return (
        pl.when(lowered.is_in(TRUE_WORDS))
        .then(pl.lit(True))
        .when(lowered.is_in(FALSE_WORDS))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def code(expr: pl.Expr) -> pl.Expr:
    """Codes compare case-insensitively: stored lower-case."""
    return expr.str.to_lowercase()


def region(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase()


def nace(expr: pl.Expr) -> pl.Expr:
    """DB07/NACE as 2..6 digits; ``62.01`` and ``62.01.00`` lose their dots, ``6201.0`` its tail."""
    cleaned = (
        pl.when(expr.str.contains(r"^\d{2,6}\.0+$"))
        .then(expr.str.replace(r"\.0+$", ""))
        .when(expr.str.contains(r"^\d{2}(\.\d{1,2}){1,2}$"))
        .then(expr.str.replace_all(".", "", literal=True))
        .otherwise(expr)
    )
    return pl.when(cleaned.str.contains(r"^\d{2,6}$")).then(cleaned)


def cvr_normalised(expr: pl.Expr) -> pl.Expr:
    """``12345678``, ``1234 5678``, ``DK12345678`` or a number -> 8 digits (not padded)."""
    compact = expr.str.to_uppercase().str.replace_all(r"\s", "").str.replace(r"^DK", "")
    return pl.when(compact.str.contains(INTEGER_FLOAT)).then(
        compact.str.replace(r"\.0+$", "")
    ).otherwise(compact)


CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_check(normalised: pl.Expr) -> pl.Expr:
    """True where the value is 8 ASCII digits passing modulus-11 (weights 2,7,6,5,4,3,2,1).

    The same weighted sum as python-stdnum's ``stdnum.dk.cvr.checksum``, computed vectorised: a
    Python call per distinct value cost 1.2 s per million register rows. A hypothesis test keeps
    the two in agreement (tests/ingestion/test_cvr_checksum.py). stdnum's own ``is_valid`` also
    refuses a leading zero; the input contract asks only for 8 digits and modulus-11.
    """
    eight_digits = normalised.str.contains(r"^[0-9]{8}$")
    number = pl.when(eight_digits).then(normalised).cast(pl.Int64, strict=False)
    weighted = pl.sum_horizontal(
        [(number // 10 ** (7 - i) % 10) * weight for i, weight in enumerate(CVR_WEIGHTS)]
    )
    return (eight_digits & (weighted % 11 == 0)).fill_null(False)
