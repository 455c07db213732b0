"""The Dagster asset that writes the board's impact report (group ``report``).

It reads ``marts.indicators`` and ``marts.flags`` for the run's ``as_of`` (plus the accounts, the
grants and the data-quality tables) and writes ``<reports>/impact_report_<as_of>.html`` and
``<reports>/impact_report.html``; see :mod:`reports.render`.
"""


import dagster as dg

from pipelines.resources import WarehouseResource
from reports.render import MAX_REPORT_BYTES, render_report_result

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
    with warehouse.reader() as con:
        result = render_report_result(con, settings)
    if result.size_bytes > MAX_REPORT_BYTES:
        context.log.warning(f"report is {result.size_bytes} bytes, above the 8 MB budget")
    context.log.info(
        f"wrote {result.path} ({result.size_bytes} bytes, {result.n_figures} figures) "
        f"in {result.seconds:.2f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "latest_path": dg.MetadataValue.path(str(result.latest_path)),
            "size_bytes": dg.MetadataValue.int(result.size_bytes),
            "n_figures": dg.MetadataValue.int(result.n_figures),
            "flagged_clusters": dg.MetadataValue.int(result.flagged_clusters),
            "as_of": dg.MetadataValue.text(settings.as_of.isoformat()),
            "lang": dg.MetadataValue.text(settings.lang),
            "render_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        }
    )


defs = dg.Definitions(assets=[impact_report])
