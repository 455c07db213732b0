"""Running Great Expectations 1.x on a pandas frame, from inside a Dagster check.

GX is imported lazily (it takes seconds to import) and always through :func:`load_gx`, which first
turns its usage analytics off (``GX_ANALYTICS_ENABLED=False``). Every validation uses a fresh
*ephemeral* data context, made once per process, with its tqdm progress bars disabled, unless
``IMPACT_GX_PROGRESS_BARS=1`` asks for them in an interactive session; a frame is validated as a
batch of that context's one pandas asset (see :func:`_frame_batches`).

GX is handed pandas, never a SQL datasource: GX's SQL path on duckdb fails as shipped (see
``shared/notes/stack-facts.md``). The frames are kept compact by :mod:`quality.staging`.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_GX: ModuleType | None = None
_CONTEXT: Any = None
_BATCHES: Any = None
GX_IMPORT_SECONDS: float | None = None
_LOCK = threading.Lock()
_IMPORT_LOCK = threading.Lock()
# Modules GX imports at its own import for expectations no suite of ours uses: ``scipy.stats``
# (the KL-divergence expectation and the two KS-test metrics), about 0.45 s of GX's import in every
# process that validates (bench/README.md, 2026-12-01). They are bound lazily.
LAZY_AT_GX_IMPORT = ("scipy.stats",)


def load_gx() -> ModuleType:
    """Import ``great_expectations`` once, with analytics off; remember how long the import took.

    One thread imports, others wait: two threads running GX's import at once can each meet a
    module of the other's half-initialised (``partially initialized module
    'sqlalchemy.orm.exc'``). For the same reason GX is not imported on a side thread beside the
    ingestion any more: the main thread's own lazy imports raced with it (see bench/README.md).
    """
    global _GX, GX_IMPORT_SECONDS
    if _GX is None:
        with _IMPORT_LOCK:
            if _GX is None:
                os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
                started = time.perf_counter()
                for name in LAZY_AT_GX_IMPORT:
                    bind_lazily(name)
                import great_expectations as gx

                GX_IMPORT_SECONDS = time.perf_counter() - started
                if gc.get_freeze_count():  # the process froze its long-lived objects (impact run):
                    gc.freeze()  # GX's modules join them, and full collections skip them
                _GX = gx
    return _GX


def bind_lazily(name: str) -> None:
    """Put submodule ``name`` in place without running it: its first attribute read runs it.

    The standard library's ``importlib.util.LazyLoader``. The module is also set as its parent
    package's attribute, so ``from scipy import stats`` takes it as it is; a plain ``import
    scipy.stats`` reads the module's ``__spec__`` and so loads it in full at once. Either way the
    module, once used, is the real one. Nothing happens when the module is already imported, or
    not installed.
    """
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    spec = importlib.util.find_spec(name)  # imports the parent package
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    if parent:
        setattr(sys.modules[parent], child, module)


def expectations() -> Any:
    """The ``great_expectations.expectations`` namespace (imports GX on first use)."""
    return load_gx().expectations


@dataclass(frozen=True)
class Expectation:
    """A GX expectation together with the label our reports use for it."""

    label: str
    gx_expectation: Any
    structural: bool = True


@dataclass
class ExpectationOutcome:
    """What one expectation found on one frame."""

    label: str
    success: bool
    structural: bool
    expectation_type: str
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample_values: list[Any] = field(default_factory=list)
    unexpected_index: list[Any] = field(default_factory=list)
    observed_value: Any = None
    error: str | None = None


def _progress_bars_wanted() -> bool:
    return os.environ.get("IMPACT_GX_PROGRESS_BARS", "") == "1"


def gx_context() -> Any:
    """The process's ephemeral GX context, progress bars off (each new one makes a temp dir)."""
    global _CONTEXT
    gx = load_gx()
    if _CONTEXT is None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        wanted = _progress_bars_wanted()
        context.variables.progress_bars = ProgressBarsConfig(
            globally=wanted, metric_calculations=wanted
        )
        _CONTEXT = context
    return _CONTEXT


def validate_frame(
    suite_name: str, frame: pd.DataFrame, checks: Sequence[Expectation], sample_size: int = 10
) -> list[ExpectationOutcome]:
    """Validate ``frame`` against ``checks`` as one GX suite and return one outcome per expectation.

    The frame's index should identify rows (the staging checks put DuckDB's ``rowid`` there), so
    that ``unexpected_index`` points back at the offending rows.
    """
    if not checks:
        return []
    gx = load_gx()
    with _LOCK:
        return _validate(gx, _frame_batches(), suite_name, frame, checks, sample_size)


def _frame_batches() -> Any:
    """The process's one batch definition of "a whole pandas frame" (made once).

    Each validation passes its frame as a batch parameter and validates an unsaved suite on that
    batch (``Batch.validate``). Until December 2026 every validation added a data source, an asset,
    a suite and a validation definition to the context and deleted them again: the ephemeral
    context wrote its whole configuration as YAML on each of those, half of GX's time on a small
    frame (0.15 s against 0.08 s per validation).
    """
    global _BATCHES
    if _BATCHES is None:
        source = gx_context().data_sources.add_pandas("impact_frames")
        _BATCHES = source.add_dataframe_asset(name="frame").add_batch_definition_whole_dataframe(
            "whole_frame"
        )
    return _BATCHES


def _validate(
    gx: ModuleType,
    batches: Any,
    suite_name: str,
    frame: pd.DataFrame,
    checks: Sequence[Expectation],
    sample_size: int,
) -> list[ExpectationOutcome]:
    suite = gx.ExpectationSuite(name=f"{suite_name}.{uuid.uuid4().hex[:8]}")
    by_label: dict[str, Expectation] = {}
    for check in checks:
        expectation = check.gx_expectation
        expectation.meta = {**(expectation.meta or {}), "label": check.label}
        suite.add_expectation(expectation)
        by_label[check.label] = check
    result = batches.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": sample_size}
    )
    return _outcomes(result, checks, by_label)


def _outcomes(
    result: Any, checks: Sequence[Expectation], by_label: dict[str, Expectation]
) -> list[ExpectationOutcome]:
    """One outcome per expectation of a suite's validation result, in the order of ``checks``."""
    outcomes: list[ExpectationOutcome] = []
    for item in result.results:
        config = item.expectation_config
        label = (config.meta or {}).get("label", config.type)
        info = item.exception_info or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else False
        details = item.result or {}
        outcomes.append(
            ExpectationOutcome(
                label=label,
                success=bool(item.success) and not raised,
                structural=by_label[label].structural if label in by_label else True,
                expectation_type=config.type,
                element_count=details.get("element_count"),
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                sample_values=[_plain(v) for v in details.get("partial_unexpected_list", [])],
                unexpected_index=[
                    _index_of(v) for v in details.get("partial_unexpected_index_list", [])
                ],
                observed_value=_plain(details.get("observed_value")),
                error=str(info.get("exception_message")) if raised else None,
            )
        )
    order = {check.label: i for i, check in enumerate(checks)}
    outcomes.sort(key=lambda o: order.get(o.label, len(order)))
    return outcomes


def _index_of(value: Any) -> Any:
    """GX reports an index label, or a dict of index columns when the index is named."""
    if isinstance(value, dict):
        return _plain(value.get("_rowid", next(iter(value.values()), None)))
    return _plain(value)


def _plain(value: Any) -> Any:
    """Make numpy/pandas scalars (and tuples of them) JSON-friendly."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return _plain(item())
        except (TypeError, ValueError):
            pass
    text = str(value)
    return None if text in ("<NA>", "NaT", "nan") else text
