"""Render the board report: load data, build figures, fill the Jinja2 templates, write atomically.

Entry points:

* :func:`render_report` (``con, settings -> Path``) for the CLI and the Dagster asset;
* :func:`render_report_result` for callers that also want the size and counts (asset metadata);
* :func:`build_html` to get the HTML text without writing anything (tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from plotly.offline import get_plotlyjs

from pipelines.core.config import (
    EXPECTED_TURNOVER_EFFECT,
    NATIONAL_TARGET_SMES_COLLECTIVE,
    NATIONAL_TARGET_SMES_CONCEPTS,
    TIMEZONE,
    Settings,
)
from pipelines.core.faults import fault_point
from reports import figures as F
from reports.data import (
    Flag,
    Indicator,
    ReportData,
    is_newest_reporting_date,
    load_report_data,
    row_indicator,
)
from reports.i18n import INDICATOR_KIND, Formatter

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
MAX_REPORT_BYTES = 8 * 1024 * 1024
STATUS_ORDER = {"critical": 0, "behind": 1, "on_track": 2, "no_target": 3}


@dataclass
class FigureBook:
    """Collects the figures of one report; the template draws each one by its id."""

    figures: list[dict[str, str]] = field(default_factory=list)

    def add(self, figure: F.FigureDict, title: str) -> dict[str, str]:
        fig_id = f"fig-{len(self.figures) + 1}"
        entry = {"id": fig_id, "title": title, "json": F.to_safe_json(figure)}
        self.figures.append(entry)
        return entry


@dataclass(frozen=True)
class ReportResult:
    """What one render produced (``latest_path`` is None when a backfill left it alone)."""

    path: Path
    latest_path: Path | None
    size_bytes: int
    n_figures: int
    flagged_clusters: int
    seconds: float


# -- view model --------------------------------------------------------------------------------


def _value_text(fmt: Formatter, row: Indicator | None, min_firms: int) -> str:
    if row is None:
        return fmt.t("no_data")
    if row.suppressed:
        return fmt.t("suppressed", n=min_firms)
    if row.value is None:
        return fmt.t("no_data")
    return fmt.value(row.indicator, row.value)


def _status_of(row: Indicator | None) -> str:
    if row is None:
        return "no_data"
    if row.suppressed:
        return "suppressed"
    if row.value is None:
        return "no_data"
    return row.status


def flag_sentence(flag: Flag, data: ReportData, fmt: Formatter) -> str:
    """A flag in plain language, built from the indicator row it points at where there is one."""
    row = data.get(flag.cluster_id, flag.indicator, flag.period)
    if flag.indicator not in INDICATOR_KIND and not flag.suppressed:
        # A data-quality flag: a known code in plain language (the English report adds the
        # message as detail), else the pipeline's message itself.
        known = fmt.dq(flag.indicator)
        if known:
            dated = flag.period.isdigit() or flag.period == "all"  # a year, or all cohorts
            return f"{known} ({fmt.period(flag.period)})." if dated else f"{known}."
        return flag.message or flag.indicator
    label = fmt.indicator(row_indicator(flag.indicator))
    period = fmt.period(flag.period)
    if flag.suppressed or (row is not None and row.suppressed):
        return fmt.t("flag_suppressed", label=label, period=period, n=data.min_firms)
    if row is None or row.value is None:
        return fmt.t("flag_other", label=label, period=period)
    value = fmt.value(row.indicator, row.value)
    if flag.indicator in ("smes_collective", "smes_concepts"):
        return fmt.t(
            "flag_smes", label=label, value=value,
            expected=fmt.integer(row.expected), target=fmt.integer(row.target),
        )
    if flag.indicator == "private_cofinancing_share":
        return fmt.t("flag_cofinancing", label=label, period=period, value=value,
                     target=fmt.percent(row.target))
    if flag.indicator == "liquidity_months":
        return fmt.t("flag_liquidity", period=period, value=fmt.decimal(row.value, 1))
    if flag.indicator == "equity_ratio":
        return fmt.t("flag_equity", period=period, value=value)
    if flag.indicator == "turnover_effect_2y":
        target = row.target if row.target is not None else EXPECTED_TURNOVER_EFFECT
        return fmt.t("flag_turnover", label=label, value=value, target=fmt.percent(target))
    return fmt.t("flag_generic", label=label, period=period, value=value)


def _flag_view(flag: Flag, data: ReportData, fmt: Formatter) -> dict[str, Any]:
    return {
        "severity": flag.severity,
        "severity_label": fmt.severity(flag.severity),
        "css": "critical" if flag.severity == "ERROR" else "behind",
        "text": flag_sentence(flag, data, fmt),
        "detail": _flag_detail(flag, fmt),
    }


def _flag_detail(flag: Flag, fmt: Formatter) -> str:
    """The pipeline's own message (``marts.flags``, in English) under the sentence: English only.

    The Danish report (the default, "in Danish") gives every known flag as a Danish sentence and
    does not repeat the English message; the analysts have it in ``marts.flags``. That also keeps
    the firm counts of data-quality messages ("2 of 20 firms ...") out of the board's report. Never
    shown when the figure is suppressed (the message may quote it), nor where it is already the
    main text (an unknown data-quality code).
    """
    if flag.suppressed or fmt.lang != "en":
        return ""
    if flag.indicator in INDICATOR_KIND:
        return flag.message
    return flag.message if fmt.dq(flag.indicator) else ""


def _kpi(fmt: Formatter, data: ReportData, cluster_id: str, code: str, fallback: float) -> dict[str, Any]:
    """A headline count: actual vs expected now vs 2028 target, with bar geometry in %."""
    row = data.get(cluster_id, code, "to_date")
    target = row.target if row and row.target is not None else fallback
    expected = row.expected if row else None
    actual = row.value if row else None
    scale = max([v for v in (target, expected, actual) if v is not None] or [1.0]) or 1.0
    return {
        "code": code,
        "label": fmt.indicator(code),
        "status": _status_of(row),
        "status_label": fmt.status(_status_of(row)),
        "value_text": _value_text(fmt, row, data.min_firms),
        "expected_text": fmt.integer(expected) if expected is not None else "–",
        "target_text": fmt.integer(target),
        "actual_pct": 0 if actual is None else round(100 * actual / scale, 1),
        "expected_pct": None if expected is None else round(100 * expected / scale, 1),
        "target_pct": round(100 * target / scale, 1),
        "progress_text": (
            fmt.t("progress_vs_expected", pct=fmt.percent(actual / expected, 0))
            if actual is not None and expected else ""
        ),
        "of_target_text": (
            fmt.t("of_target", pct=fmt.percent(actual / target, 0))
            if actual is not None and target else ""
        ),
    }


def _verdict(statuses: list[str]) -> str:
    known = [s for s in statuses if s in ("critical", "behind", "on_track")]
    if not known:
        return "no_data"
    return min(known, key=lambda s: STATUS_ORDER[s])


def _year_table(
    data: ReportData, fmt: Formatter, cluster_id: str, codes: tuple[str, ...]
) -> dict[str, Any]:
    """Rows = periods (years), columns = indicators; each cell text + status css class."""
    periods = sorted({r.period for code in codes for r in data.series(cluster_id, code)})
    rows = []
    for period in periods:
        cells = []
        for code in codes:
            row = data.get(cluster_id, code, period)
            status = _status_of(row)
            text = _value_text(fmt, row, data.min_firms) if row else "–"
            note = ""
            if row and code == "private_cofinancing_share" and row.target is not None:
                note = f"{fmt.t('promised')}: {fmt.percent(row.target)}"
            cells.append({"text": text, "status": status, "note": note,
                          "status_label": fmt.status(status)})
        rows.append({"period": period, "cells": cells})
    return {"headers": [fmt.indicator(c) for c in codes], "rows": rows}


def build_context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    """Everything the templates need, with numbers already formatted."""
    national_kpis = [
        _kpi(fmt, data, "ALL", "smes_collective", NATIONAL_TARGET_SMES_COLLECTIVE),
        _kpi(fmt, data, "ALL", "smes_concepts", NATIONAL_TARGET_SMES_CONCEPTS),
    ]
    national_figs = [
        book.add(F.trajectory(data, fmt, "ALL", "smes_collective", "cluster",
                              NATIONAL_TARGET_SMES_COLLECTIVE), fmt.t("trajectory_path")),
        book.add(F.trajectory(data, fmt, "ALL", "smes_concepts", "innovation",
                              NATIONAL_TARGET_SMES_CONCEPTS), fmt.t("trajectory_path")),
    ]
    cof_rows = data.series("ALL", "private_cofinancing_share")
    cof_latest = cof_rows[-1] if cof_rows else None
    cofinancing = {
        "figure": book.add(F.cofinancing(data, fmt, "ALL"), fmt.t("cofinancing_heading")) if cof_rows else None,
        "latest_period": cof_latest.period if cof_latest else "",
        "latest_text": _value_text(fmt, cof_latest, data.min_firms),
        "latest_target": fmt.percent(cof_latest.target) if cof_latest and cof_latest.target is not None else "–",
        "status": _status_of(cof_latest),
        "status_label": fmt.status(_status_of(cof_latest)),
        "table": _year_table(data, fmt, "ALL", ("private_cofinancing_share",)),
    }
    trow = data.get("ALL", "turnover_effect_2y", "all")
    turnover = {
        "value_text": _value_text(fmt, trow, data.min_firms),
        "target_text": fmt.percent(trow.target if trow and trow.target is not None else EXPECTED_TURNOVER_EFFECT),
        "status": _status_of(trow),
        "status_label": fmt.status(_status_of(trow)),
        "n_text": fmt.t("based_on_firms", n=fmt.integer(trow.n_firms)) if trow and trow.n_firms else "",
        "not_yet": trow is None or (trow.value is None and not trow.suppressed),
    }

    names = {c.cluster_id: c.organisation for c in data.clusters}
    anchors = {c.cluster_id: f"klynge-{i + 1}" for i, c in enumerate(data.clusters)}
    by_cluster: dict[str, list[Flag]] = {}
    for f in data.flags:
        by_cluster.setdefault(f.cluster_id, []).append(f)
    flagged = []
    for cid, fl in by_cluster.items():
        fl = sorted(fl, key=lambda f: (f.rank, f.indicator, f.period))
        flagged.append({
            "name": fmt.t("national") if cid == "ALL" else names.get(cid, cid),
            "anchor": anchors.get(cid, "national"),
            "errors": sum(f.severity == "ERROR" for f in fl),
            "warnings": sum(f.severity == "WARN" for f in fl),
            "worst": _flag_view(fl[0], data, fmt),
            "is_cluster": cid != "ALL",
        })
    flagged.sort(key=lambda r: (-r["errors"], -r["warnings"], r["name"].lower()))

    clusters = []
    for c in data.clusters:
        cid = c.cluster_id
        c_flags = [_flag_view(f, data, fmt) for f in data.flags_for(cid)]
        severities = {f.severity for f in data.flags_for(cid)}
        kpis = [_kpi(fmt, data, cid, "smes_collective", 0.0), _kpi(fmt, data, cid, "smes_concepts", 0.0)]
        if "ERROR" in severities:
            verdict = "critical"
        elif "WARN" in severities:
            verdict = "behind"
        else:
            verdict = _verdict([k["status"] for k in kpis]) if any(
                k["status"] not in ("no_data", "suppressed") for k in kpis) else "no_data"
            if verdict != "no_data":
                verdict = "on_track"
        trow_c = data.get(cid, "turnover_effect_2y", "all")
        clusters.append({
            "id": cid,
            "anchor": anchors[cid],
            "organisation": c.organisation,
            "business_area": c.business_area,
            "granted_text": fmt.mdkk(c.recommended_mdkk * 1e6) if c.recommended_mdkk else "–",
            "verdict": verdict,
            "verdict_label": fmt.t(f"cverdict_{verdict}"),
            "kpis": kpis,
            "turnover_text": _value_text(fmt, trow_c, data.min_firms) if trow_c else fmt.t("no_data"),
            "turnover_status": _status_of(trow_c),
            "turnover_status_label": fmt.status(_status_of(trow_c)),
            "bullet": book.add(F.bullet(data, fmt, cid), fmt.t("trajectory")),
            "funding": (book.add(F.funding_mix(data, fmt, cid), fmt.t("funding_mix"))
                        if data.accounts.get(cid) else None),
            "sustainability": _year_table(
                data, fmt, cid,
                ("private_cofinancing_share", "equity_ratio", "liquidity_months", "deb_dependence"),
            ),
            "network_table": _year_table(
                data, fmt, cid,
                ("network_density", "network_new_ties", "sme_knowledge_ties_share",
                 "demand_offering_match"),
            ),
            "flags": c_flags,
        })
    for cl in clusters:
        cl["network"] = (book.add(F.network(data, fmt, cl["id"]), fmt.t("network"))
                         if cl["network_table"]["rows"] else None)

    signal_years = sorted({
        r.period for code in ("activities_defence_share", "activities_ai_share")
        for c in ["ALL", *names] for r in data.series(c, code)
    })
    latest_signal_year = signal_years[-1] if signal_years else ""
    signals = {
        "national": book.add(F.signals_national(data, fmt), fmt.t("signals_national"))
        if data.series("ALL", "activities_defence_share") or data.series("ALL", "activities_ai_share")
        else None,
        "by_cluster": book.add(F.signals_by_cluster(data, fmt, latest_signal_year),
                               f"{fmt.t('signals_by_cluster')} {latest_signal_year}")
        if latest_signal_year else None,
        "year": latest_signal_year,
        "years": signal_years,
        "table": [
            {
                "name": names[cid],
                "cells": [
                    {
                        "defence": _value_text(fmt, data.get(cid, "activities_defence_share", y), data.min_firms)
                        if data.get(cid, "activities_defence_share", y) else "–",
                        "ai": _value_text(fmt, data.get(cid, "activities_ai_share", y), data.min_firms)
                        if data.get(cid, "activities_ai_share", y) else "–",
                    }
                    for y in signal_years
                ],
            }
            for cid in names
        ],
    }

    quality = {
        "files": [
            {"status": s, "label": fmt.file_status(s), "count": fmt.integer(n)}
            for s, n in data.file_status.items()
        ],
        "failed": [{"file": f, "dataset": fmt.dataset(d), "error": e} for f, d, e in data.failed_files],
        "rejected": [
            {"dataset": fmt.dataset(d), "reason": fmt.reason(r), "code": r, "count": fmt.integer(n)}
            for d, r, n in data.rejected
        ],
        "rejected_total": fmt.integer(sum(n for _, _, n in data.rejected)),
    }

    # Overall: the worst of the SME counts, the latest co-financing year and the turnover effect.
    national_verdict = _verdict(
        [k["status"] for k in national_kpis] + [cofinancing["status"], turnover["status"]]
    )
    return {
        "lang": fmt.lang,
        "fmt": fmt,
        "t": fmt.t,
        "as_of_text": fmt.date(data.as_of),
        "as_of_iso": data.as_of.isoformat(),
        "generated_text": dt.datetime.now(TIMEZONE).strftime("%Y-%m-%d %H:%M"),
        "min_firms": data.min_firms,
        "national_kpis": national_kpis,
        "national_figs": national_figs,
        "national_verdict": national_verdict,
        "national_verdict_label": fmt.t(f"verdict_{national_verdict}"),
        "cofinancing": cofinancing,
        "turnover": turnover,
        "flagged": flagged,
        "national_flags": [_flag_view(f, data, fmt) for f in data.flags_for("ALL")],
        "clusters": clusters,
        "signals": signals,
        "quality": quality,
        "figures": book.figures,
    }


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
    """plotly.js, safe to inline in a ``<script>`` element."""
    return get_plotlyjs().replace("</script", "<\\/script").replace("<!--", "<\\!--")


def build_html(data: ReportData, lang: str = "da") -> tuple[str, int]:
    """The report as HTML text, and the number of figures in it."""
    fmt = Formatter(lang)
    book = FigureBook()
    context = build_context(data, fmt, book)
    html = _environment().get_template("report.html.j2").render(plotly_js=_plotly_js(), **context)
    return html, len(book.figures)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory + os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        fault_point(f"report:before_rename:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_report_result(con: duckdb.DuckDBPyConnection, settings: Settings) -> ReportResult:
    """Render the report for ``settings.as_of``, write it (and "latest" unless a backfill)."""
    started = time.perf_counter()
    data = load_report_data(con, settings.as_of, settings.thresholds.disclosure_min_firms)
    html, n_figures = build_html(data, settings.lang)
    reports = Path(settings.reports)
    dated = reports / f"impact_report_{settings.as_of.isoformat()}.html"
    latest: Path | None = reports / "impact_report.html"
    write_atomic(dated, html)
    if is_newest_reporting_date(con, settings.as_of):
        write_atomic(latest, html)
    else:
        latest = None
        log.info("%s is a backfill: impact_report.html stays the newest date's report", dated.name)
    size = dated.stat().st_size
    if size > MAX_REPORT_BYTES:
        log.warning("board report is %d bytes, above the %d byte budget", size, MAX_REPORT_BYTES)
    flagged = len({f.cluster_id for f in data.flags if f.cluster_id != "ALL"})
    return ReportResult(dated, latest, size, n_figures, flagged, time.perf_counter() - started)


def render_report(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Render the board report and return the path of ``impact_report_<as_of>.html``."""
    return render_report_result(con, settings).path
