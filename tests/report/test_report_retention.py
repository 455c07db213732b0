"""Retention of dated reports: the newest N reporting dates stay, the run's own always."""

from __future__ import annotations

import datetime as dt

from assets.report.retention import prune_dated_reports
from pipelines.core.config import report_retention

D = dt.date.fromisoformat


def _reports(folder, dates):
    folder.mkdir(exist_ok=True)
    for d in dates:
        (folder / f"impact_report_{d}.html").write_text(d)
    (folder / "impact_report.html").write_text("latest")
    (folder / "impact_export_2026-01-01.xlsx").write_text("not a report")


def test_the_newest_dates_stay_and_the_rest_go(tmp_path):
    _reports(tmp_path, ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"])
    # the run's own date (2026-05-31, not written yet) is one of the 3 kept
    removed = prune_dated_reports(tmp_path, 3, D("2026-05-31"))
    assert sorted(p.name for p in removed) == ["impact_report_2026-01-31.html", "impact_report_2026-02-28.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "impact_export_2026-01-01.xlsx", "impact_report.html",
        "impact_report_2026-03-31.html", "impact_report_2026-04-30.html",
    ]


def test_a_backfilled_date_is_kept_and_zero_keeps_all(tmp_path):
    _reports(tmp_path, ["2026-01-31", "2026-02-28", "2026-03-31"])
    removed = prune_dated_reports(tmp_path, 2, D("2025-12-31"))  # a backfill of an old date
    assert sorted(p.name for p in removed) == ["impact_report_2026-01-31.html"]
    assert (tmp_path / "impact_report_2026-03-31.html").exists()
    assert prune_dated_reports(tmp_path, 0, D("2026-03-31")) == []


def test_the_setting(monkeypatch):
    monkeypatch.delenv("IMPACT_REPORT_RETENTION", raising=False)
    assert report_retention() == 10
    monkeypatch.setenv("IMPACT_REPORT_RETENTION", "3")
    assert report_retention() == 3
