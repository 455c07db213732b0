"""Help for an analyst whose file lacks a required column: which delivered header was probably
meant, and whether the real header sits further down (a title row above it)."""

from __future__ import annotations

import difflib
import re

import polars as pl

SUGGEST_CUTOFF = 0.6
HEADER_SCAN_ROWS = 20


def normalised(header: str) -> str:
    """A header as the contract spells column names: lower case, words joined by ``_``."""
    return re.sub(r"[\s\-.]+", "_", str(header).strip().lower()).strip("_")


def similarity(header: str, column: str) -> float:
    """How close a delivered header is to a contract column: the better of the whole names and
    the header against one word of the column (``dato`` vs ``participation_date`` via ``date``)."""
    h = normalised(header)
    whole = difflib.SequenceMatcher(None, h, column).ratio()
    words = [w for w in column.split("_") if len(w) >= 3]
    word = max((difflib.SequenceMatcher(None, h, w).ratio() for w in words), default=0.0)
    return max(whole, word)


def suggestions(missing: tuple[str, ...], unmatched: list[str]) -> list[tuple[str, str]]:
    """(delivered header, missing contract column) pairs, best first, each used once, that are
    similar enough to be worth a "did you mean".

    ``unmatched`` are the delivered headers no contract column matched.
    """
    scored = sorted(
        (
            (similarity(h, m), h, m)
            for h in unmatched
            for m in missing
            if similarity(h, m) >= SUGGEST_CUTOFF
        ),
        key=lambda t: -t[0],
    )
    used_h: set[str] = set()
    used_m: set[str] = set()
    pairs = []
    for _, header, column in scored:
        if header not in used_h and column not in used_m:
            pairs.append((header, column))
            used_h.add(header)
            used_m.add(column)
    return pairs


def header_further_down(frame: pl.DataFrame, required: tuple[str, ...]) -> int | None:
    """The record number (1 = the first row under the header read) of a row among the first
    ``HEADER_SCAN_ROWS`` whose cells name every required column: the real header, under a title."""
    for number, row in enumerate(frame.head(HEADER_SCAN_ROWS).iter_rows(), start=1):
        cells = {normalised(v) for v in row if v is not None}
        if set(required) <= cells:
            return number
    return None
