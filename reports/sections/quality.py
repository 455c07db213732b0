"""Appendix "Data quality": files delivered by status, failed files and rejected rows."""

from __future__ import annotations

from typing import Any

from reports.data import ReportData
from reports.i18n import Formatter


def context(data: ReportData, fmt: Formatter) -> dict[str, Any]:
    return {
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
