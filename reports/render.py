"""Render the board report: load data, build the sections, fill the Jinja2 templates, write
atomically. The sections' contexts are built in :mod:`reports.sections`, one module per partial.

Entry points:

* :func:`render_report` (``con, settings -> Path``) for the CLI and the Dagster asset;
* :func:`render_report_result` for callers that also want the size and counts (asset metadata);
* :func:`build_html` to get the HTML text without writing anything (tests).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import jinja2

from pipelines.core.config import Settings
from pipelines.core.faults import fault_point
from pipelines.core.publish import replace_durably
from reports.data import ReportData, is_newest_reporting_date, load_report_data
from reports.i18n import Formatter
from reports.sections import build_context
from reports.shortfalls import flagged_clusters
from reports.view import FigureBook

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
# plotly.js's official basic bundle (scatter, bar, pie), the version plotly.py bundles; see
# reports/vendor/README.md. A quarter of the full bundle: the report opens twice as fast.
PLOTLY_BUNDLE = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
PLOTLY_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
MAX_REPORT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ReportResult:
    """What one render produced (``latest_path`` is None when a backfill left it alone)."""

    path: Path
    latest_path: Path | None
    size_bytes: int
    sha256: str
    n_figures: int
    flagged_clusters: int  # clusters with a counted performance shortfall (data notes never count)
    seconds: float


# -- rendering ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    """plotly.js (the basic bundle), safe to inline in a ``<script>`` element."""
    text = PLOTLY_BUNDLE.read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def build_html(data: ReportData, lang: str = "da") -> tuple[str, int]:
    """The report as HTML text, and the number of figures in it."""
    fmt = Formatter(lang)
    book = FigureBook()
    context = build_context(data, fmt, book)
    html = _environment().get_template("report.html.j2").render(plotly_js=_plotly_js(), **context)
    return html, len(book.figures)


def write_staged(path: Path, text: str) -> Path:
    """Write ``text`` beside ``path`` under a temporary name, fsynced; return that file.

    It becomes ``path`` by a rename (:func:`write_atomic`, or after the run's warehouse is
    published: ``WarehouseResource.put_in_place``), so the report on disk is always whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        fault_point(f"report:before_rename:{path.name}")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, rename, fsync the folder."""
    replace_durably(write_staged(path, text), path)


PutInPlace = Callable[[Path, Path], None]


def render_report_result(
    con: duckdb.DuckDBPyConnection, settings: Settings, put_in_place: PutInPlace = replace_durably
) -> ReportResult:
    """Render the report for ``settings.as_of``, write it (and "latest" unless a backfill).

    The files are written under temporary names and handed to ``put_in_place`` (written, final):
    a run renames them only after its warehouse is published.
    """
    started = time.perf_counter()
    data = load_report_data(
        con, settings.as_of, settings.thresholds.disclosure_min_firms, settings.thresholds
    )
    html, n_figures = build_html(data, settings.lang)
    reports = Path(settings.reports)
    dated = reports / f"impact_report_{settings.as_of.isoformat()}.html"
    latest: Path | None = reports / "impact_report.html"
    staged = [(write_staged(dated, html), dated)]
    if is_newest_reporting_date(con, settings.as_of):
        staged.append((write_staged(latest, html), latest))
    else:
        latest = None
        log.info("%s is a backfill: impact_report.html stays the newest date's report", dated.name)
    size = staged[0][0].stat().st_size
    try:
        for written, final in staged:
            put_in_place(written, final)
    except BaseException:
        for written, _ in staged:
            written.unlink(missing_ok=True)
        raise
    if size > MAX_REPORT_BYTES:
        log.warning("board report is %d bytes, above the %d byte budget", size, MAX_REPORT_BYTES)
    flagged = len(flagged_clusters(data))  # clusters with a counted performance shortfall
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    return ReportResult(dated, latest, size, digest, n_figures, flagged, time.perf_counter() - started)


def render_report(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Render the board report and return the path of ``impact_report_<as_of>.html``."""
    return render_report_result(con, settings).path
