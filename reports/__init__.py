"""The board's impact report: a self-contained HTML file per run (Danish by default).

Call :func:`render_report` with an open warehouse connection and the run's settings; it writes
``<reports>/impact_report_<as_of>.html`` and ``<reports>/impact_report.html`` atomically and
returns the dated path.
"""

from reports.render import ReportResult, build_html, render_report, render_report_result

__all__ = ["ReportResult", "build_html", "render_report", "render_report_result"]
