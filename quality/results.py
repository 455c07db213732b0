"""Turning GX outcomes into Dagster check results with readable metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dagster as dg

from pipelines.core.metadata import records_table
from quality.gx_runner import ExpectationOutcome

if TYPE_CHECKING:
    import pandas as pd

MAX_SAMPLE_ROWS = 10
HIDDEN_COLUMNS = ("_rowid", "_file_sha256", "_loaded_at")


@dataclass
class SuiteReport:
    """What one check's GX suite(s) found, ready to become an ``AssetCheckResult``."""

    suite: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    exact_counts: dict[str, int] = field(default_factory=dict)
    rows_total: int | None = None
    validated_rows: int = 0
    mode: str = "full"
    seconds: float = 0.0
    offending_rows: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    extra_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def passed(self) -> bool:
        return not self.failed

    def unexpected_count(self, outcome: ExpectationOutcome) -> int | None:
        """The exact count where DuckDB computed one, else what GX counted."""
        return self.exact_counts.get(outcome.label, outcome.unexpected_count)

    def summary(self) -> str:
        """A one-paragraph description of the outcome for the check's description."""
        if self.passed:
            return f"{self.suite}: all {len(self.outcomes)} expectations met."
        parts = []
        for o in self.failed:
            count = self.unexpected_count(o)
            detail = o.error or (
                f"{count} unexpected" if count is not None else f"observed {o.observed_value}"
            )
            parts.append(f"{o.label} ({detail})")
        return (
            f"{self.suite}: {len(self.failed)} of {len(self.outcomes)} expectations failed: "
            + "; ".join(parts)
        )


def check_result(
    report: SuiteReport,
    severity: dg.AssetCheckSeverity,
    asset_key: dg.AssetKey | None = None,
    check_name: str | None = None,
) -> dg.AssetCheckResult:
    """An ``AssetCheckResult`` carrying failed expectations, counts and a sample of rows."""
    failed_rows = [
        (
            o.label,
            o.expectation_type,
            report.unexpected_count(o),
            None if o.unexpected_percent is None else round(o.unexpected_percent, 3),
            o.error
            or ", ".join(str(v) for v in o.sample_values[:5])
            or ("" if o.observed_value is None else str(o.observed_value)),
        )
        for o in report.failed
    ]
    metadata: dict[str, Any] = {
        "suite": dg.MetadataValue.text(report.suite),
        "expectations_evaluated": dg.MetadataValue.int(len(report.outcomes)),
        "expectations_failed": dg.MetadataValue.int(len(report.failed)),
        "failed_expectations": records_table(
            ["expectation", "type", "unexpected", "unexpected %", "sample"], failed_rows
        ),
        "unexpected_counts": dg.MetadataValue.json(
            {o.label: report.unexpected_count(o) for o in report.failed}
        ),
        "validation_mode": dg.MetadataValue.text(report.mode),
        "validated_rows": dg.MetadataValue.int(report.validated_rows),
        "seconds": dg.MetadataValue.float(round(report.seconds, 3)),
    }
    if report.rows_total is not None:
        metadata["rows_total"] = dg.MetadataValue.int(report.rows_total)
    if report.offending_rows is not None and len(report.offending_rows):
        frame = report.offending_rows.head(MAX_SAMPLE_ROWS)
        metadata["offending_rows_sample"] = records_table(
            [str(c) for c in frame.columns], frame.itertuples(index=False, name=None)
        )
    if report.notes:
        metadata["notes"] = dg.MetadataValue.text(" ".join(report.notes))
    metadata.update(report.extra_metadata)
    return dg.AssetCheckResult(
        passed=report.passed,
        severity=severity,
        description=report.summary(),
        metadata=metadata,
        asset_key=asset_key,
        check_name=check_name,
    )


def offending_rows(
    frame: pd.DataFrame, outcomes: Sequence[ExpectationOutcome], limit: int = MAX_SAMPLE_ROWS
) -> pd.DataFrame | None:
    """Up to ``limit`` rows of ``frame`` that failed expectations, labelled with what they broke."""
    import pandas as pd

    picked: dict[Any, list[str]] = {}
    for o in outcomes:
        if o.success:
            continue
        for idx in o.unexpected_index:
            if idx in picked:
                picked[idx].append(o.label)
            elif len(picked) < limit:
                picked[idx] = [o.label]
    keys = [k for k in picked if k in frame.index]
    if not keys:
        return None
    rows = frame.loc[keys].copy()
    rows = rows[~rows.index.duplicated()]
    rows = rows.drop(columns=[c for c in HIDDEN_COLUMNS if c in rows.columns])
    rows.insert(0, "failed_expectations", ["; ".join(picked[k]) for k in rows.index])
    return pd.DataFrame(rows).reset_index(drop=True)
