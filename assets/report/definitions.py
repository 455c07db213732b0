"""The Dagster asset that writes the board's impact report (group ``report``).

It reads the marts the report needs (:data:`reports.data.REPORT_TABLES`, for the run's
``as_of``) and writes ``<reports>/impact_report_<as_of>.html`` and
``<reports>/impact_report.html``; see :mod:`reports.render`. Its dependencies are the models
that build those tables; its fingerprint is theirs plus the report's own code and settings.
"""


import hashlib
import shutil
from pathlib import Path

import dagster as dg

from assets.models.models import builder_of
from assets.report.retention import prune_dated_reports
from pipelines.core.build_state import fingerprint, store, stored, upstream_fingerprints
from pipelines.core.config import report_retention
from pipelines.core.keys import REPORT_KEY
from pipelines.core.metadata import OWNERS
from pipelines.core.resources import WarehouseResource
from reports.data import REPORT_TABLES, is_newest_reporting_date
from reports.render import MAX_REPORT_BYTES, render_report_result

REPORT_CODE = sorted(
    p for p in (Path(__file__).resolve().parents[2] / "reports").rglob("*")
    if p.is_file() and p.suffix in (".py", ".j2", ".css", ".js", ".toml")
)
# The models whose tables the report reads, each once.
REPORT_MODELS = tuple(dict.fromkeys(builder_of(t) for t in REPORT_TABLES))
CODE_VERSION = hashlib.sha256(b"".join(p.read_bytes() for p in REPORT_CODE)).hexdigest()[:16]


def _sha256(path: Path) -> str | None:
    """The file's SHA-256, or None if there is no such file: the report is kept only if the file
    on disk is the one this warehouse's last build wrote (a rename that failed left another)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@dg.asset(
    key=REPORT_KEY,
    group_name="report",
    kinds={"html", "plotly"},
    owners=OWNERS,
    deps=[m.key for m in REPORT_MODELS],
    pool="warehouse",
    code_version=CODE_VERSION,
    tags={"layer": "report"},
    description=(
        "The board's impact report: a self-contained HTML file (plotly.js embedded once, opens "
        "offline), Danish by default. National progress against the 2028 targets with the path over "
        "the reporting dates and the projection at today's pace, one section per granted cluster "
        "(shortfalls and data notes, its five activities with the most SMEs), strategic signals and "
        "a data-quality appendix; figures resting on fewer than `disclosure_min_firms` firms are "
        "suppressed, and one more where a suppressed one could be recovered. Reads the marts only."
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
            CODE_VERSION,
            # every threshold: disclosure control, and the levels the shortfalls' sizes use
            settings.lang, settings.as_of, settings.thresholds.as_params(),
            upstream_fingerprints(con, [m.state_name for m in REPORT_MODELS]),
        )
        previous = stored(con, "report:impact_report")
        newest = is_newest_reporting_date(con, settings.as_of)
    removed = prune_dated_reports(settings.reports, report_retention(), settings.as_of)
    if removed:
        context.log.info(
            f"report retention ({report_retention()} newest dates): removed "
            + ", ".join(p.name for p in removed)
        )
    if previous and previous[0] == fp and _sha256(dated) == previous[1]:
        # Nothing the report shows has changed: keep the file; "latest" is this one unless a
        # later reporting date has been computed (a backfill).
        if newest and (not latest.exists() or latest.read_bytes() != dated.read_bytes()):
            tmp = latest.with_name(f".{latest.name}.copy.tmp")
            shutil.copyfile(dated, tmp)
            warehouse.put_in_place(tmp, latest)
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
            },
            data_version=dg.DataVersion(fp),
        )
    with warehouse.reader() as con:
        # Renamed into place only after the run's warehouse is published (WarehouseResource).
        result = render_report_result(con, settings, put_in_place=warehouse.put_in_place)
        store(con, "report:impact_report", fp, result.sha256)
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
        },
        data_version=dg.DataVersion(fp),
    )


defs = dg.Definitions(assets=[impact_report])
