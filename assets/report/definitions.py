"""The Dagster asset that writes the board's impact report (group ``report``).

It reads ``marts.indicators`` and ``marts.flags`` for the run's ``as_of`` (plus the accounts, the
grants and the data-quality tables) and writes ``<reports>/impact_report_<as_of>.html`` and
``<reports>/impact_report.html``; see :mod:`reports.render`.
"""


import os
import shutil
from pathlib import Path

import dagster as dg

from pipelines.core.build_state import (
    fingerprint,
    store,
    stored,
    table_state,
    upstream_fingerprints,
)
from pipelines.core.resources import WarehouseResource
from reports.data import is_newest_reporting_date
from reports.render import MAX_REPORT_BYTES, render_report_result

REPORT_CODE = sorted(p for p in (Path(__file__).resolve().parents[2] / "reports").rglob("*") if p.is_file()
                     and p.suffix in (".py", ".j2", ".css", ".js"))

OWNERS = ["team:impact-model"]
INDICATORS_KEY = dg.AssetKey(["marts", "indicators"])
FLAGS_KEY = dg.AssetKey(["marts", "flags"])


@dg.asset(
    key=dg.AssetKey(["reports", "impact_report"]),
    group_name="report",
    kinds={"html", "plotly"},
    owners=OWNERS,
    deps=[INDICATORS_KEY, FLAGS_KEY],
    pool="warehouse",
    tags={"layer": "report"},
    description=(
        "The board's impact report: a self-contained HTML file (plotly.js embedded once, opens "
        "offline), Danish by default. National progress against the 2028 targets, one section per "
        "granted cluster, strategic signals and a data-quality appendix; figures resting on fewer "
        "than `disclosure_min_firms` firms are suppressed."
    ),
)
def impact_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Render the report for the run's settings and describe the file in the metadata."""
    settings = warehouse.settings()
    dated = settings.reports / f"impact_report_{settings.as_of.isoformat()}.html"
    latest = settings.reports / "impact_report.html"
    with warehouse.reader() as con:
        fp = fingerprint(
            [p.read_text(encoding="utf-8") for p in REPORT_CODE],
            settings.lang, settings.as_of, settings.thresholds.disclosure_min_firms,
            upstream_fingerprints(con, ["model:indicators", "model:flags"]),
            [table_state(con, t) for t in ("staging.accounts", "staging.grants",
                                           "meta.ingested_files", "quality.rejected_rows")],
        )
        previous = stored(con, "report:impact_report")
        newest = is_newest_reporting_date(con, settings.as_of)
    if previous and previous[0] == fp and dated.exists():
        # Nothing the report shows has changed: keep the file; "latest" is this one unless a
        # later reporting date has been computed (a backfill).
        if newest and (not latest.exists() or latest.read_bytes() != dated.read_bytes()):
            tmp = latest.with_name(f".{latest.name}.copy.tmp")
            shutil.copyfile(dated, tmp)
            os.replace(tmp, latest)
        context.log.info(f"report inputs unchanged since {previous[2]}: kept {dated}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(dated)),
                "latest_path": dg.MetadataValue.path(str(latest)),
                "latest_updated": dg.MetadataValue.bool(newest),
                "size_bytes": dg.MetadataValue.int(dated.stat().st_size),
                "as_of": dg.MetadataValue.text(settings.as_of.isoformat()),
                "lang": dg.MetadataValue.text(settings.lang),
                "rebuilt": dg.MetadataValue.bool(False),
            }
        )
    with warehouse.reader() as con:
        result = render_report_result(con, settings)
        store(con, "report:impact_report", fp)
    if result.size_bytes > MAX_REPORT_BYTES:
        context.log.warning(f"report is {result.size_bytes} bytes, above the 8 MB budget")
    context.log.info(
        f"wrote {result.path} ({result.size_bytes} bytes, {result.n_figures} figures) "
        f"in {result.seconds:.2f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "latest_path": dg.MetadataValue.path(str(latest)),
            "latest_updated": dg.MetadataValue.bool(result.latest_path is not None),
            "size_bytes": dg.MetadataValue.int(result.size_bytes),
            "n_figures": dg.MetadataValue.int(result.n_figures),
            "flagged_clusters": dg.MetadataValue.int(result.flagged_clusters),
            "as_of": dg.MetadataValue.text(settings.as_of.isoformat()),
            "lang": dg.MetadataValue.text(settings.lang),
            "render_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "rebuilt": dg.MetadataValue.bool(True),
        }
    )


defs = dg.Definitions(assets=[impact_report])
