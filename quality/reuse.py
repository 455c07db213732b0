"""Answer a data check from its last result when nothing it reads has changed.

Every check of the project goes through :func:`reused_or_evaluated`: the check's inputs (table
states, model fingerprints, the run's ``as_of``), the thresholds and the checks' own code are
fingerprinted; when ``meta.build_state`` holds the same fingerprint, the stored results are
returned (a nightly re-run with no new files costs no GX validation, nor GX's import).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.build_state import fingerprint, result_from_json, result_to_json, store, stored
from pipelines.core.config import Settings
from pipelines.core.resources import WarehouseResource

# The checks' own code is part of every fingerprint: a changed rule re-validates.
CODE_VERSION = fingerprint(*(p.read_text() for p in sorted(Path(__file__).parent.glob("*.py"))))

Inputs = Callable[[duckdb.DuckDBPyConnection, Settings], list[Any]]
Evaluate = Callable[[duckdb.DuckDBPyConnection, Settings], list[dg.AssetCheckResult]]


def is_current(
    con: duckdb.DuckDBPyConnection, settings: Settings, name: str, inputs: Inputs, failed_too: bool = False
) -> bool:
    """Whether check ``name`` would answer from its stored results (the same fingerprint as
    :func:`reused_or_evaluated` computes) and every one of them passed (or ``failed_too``).

    The run planner (``pipelines/planning.py``) leaves such a check out of a run whose other
    inputs are unchanged: its result stands. A pipeline check that failed or warned is run again,
    so that it still blocks, and the run's summary still names it; a cluster status check's
    failure is the clusters' performance, which the summary counts from ``marts.run_history``.
    """
    previous = stored(con, f"check:{name}")
    if not (previous and previous[1]):
        return False
    if previous[0] != fingerprint(CODE_VERSION, settings.thresholds, inputs(con, settings)):
        return False
    return failed_too or all(
        result_from_json(text, previous[2]).passed for text in json.loads(previous[1])
    )


def reused_or_evaluated(
    warehouse: WarehouseResource, name: str, inputs: Inputs, evaluate: Evaluate
) -> list[dg.AssetCheckResult]:
    """The last results of check ``name`` when its inputs are unchanged, else new ones (stored)."""
    settings = warehouse.settings()
    key = f"check:{name}"
    with warehouse.reader() as con:
        fp = fingerprint(CODE_VERSION, settings.thresholds, inputs(con, settings))
        previous = stored(con, key)
        if previous and previous[0] == fp and previous[1]:
            return [result_from_json(text, previous[2]) for text in json.loads(previous[1])]
        results = evaluate(con, settings)
    with warehouse.writer() as con:
        store(con, key, fp, json.dumps([result_to_json(r) for r in results]))
    return results
