"""The report in a real browser: headless Debian chromium opens the file offline.

Needs ``chromium`` on PATH (CI: ``apt-get update && apt-get install -y chromium``); skipped with a
clear message where it is missing. :mod:`tests.report.browser` opens a copy of the report with a
measuring script (inside an iframe of the wanted width: headless chromium lays no window out
narrower than 500 px) and reads the results from the dumped DOM.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reports.render import MAX_REPORT_BYTES
from tests.report import browser

pytestmark = pytest.mark.slow

OPEN_BUDGET_MS = 3000


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if browser.browser() is None:
        pytest.skip(
            "chromium not found on PATH; install it with "
            "`apt-get update && apt-get install -y chromium` to run the browser tests"
        )


@pytest.mark.parametrize(("lang", "width"), [("da", 390), ("da", 1024), ("da", 1400), ("en", 390)])
def test_every_figure_draws_and_nothing_overflows(
    render: Callable[..., tuple[Path, str]], tmp_path: Path, lang: str, width: int
) -> None:
    path, _ = render(lang=lang)
    m = browser.measure(path, width, tmp_path)
    assert m["width"] == width
    assert m["js_errors"] == 0 and m["ready"] == "ok", m
    assert m["figures"] > 0 and m["drawn"] == m["figures"], m
    assert m["empty_plots"] == [] and m["empty_minis"] == [], m  # every chart is a non-empty SVG
    assert m["doc_overflow"] is None, m  # no sideways scrolling of the page
    assert m["overflow"] == [], m  # no card (or anything in one) wider than its box
    assert m["outside"] == [], m  # no chart or table sticking out of its card
    assert m["label_overlaps"] == [], m  # no two value labels of a chart on top of each other
    assert m["modebars"] == 0, m  # no Plotly toolbar


def test_the_report_opens_quickly_and_stays_small(
    render: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    """Parsing, plotly.js and the figures of the first screen up to the load event, in real time.
    The fixture has the national report's shape (11 clusters, every figure); the best of three
    tries, as other processes share the machine."""
    path, _ = render()
    assert path.stat().st_size < MAX_REPORT_BYTES
    times = []
    for _ in range(3):
        t = browser.open_time(path, tmp_path)
        times.append(t["load_ms"])
        if t["load_ms"] < OPEN_BUDGET_MS:
            break
    assert min(times) < OPEN_BUDGET_MS, times


def test_no_console_errors(render: Callable[..., tuple[Path, str]], tmp_path: Path) -> None:
    path, _ = render()
    shot = tmp_path / "report.png"
    run = browser.run(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=30000", "--window-size=1366,2400",
         f"--screenshot={shot}", path.resolve().as_uri()],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000
    console_errors = [
        line for line in run.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "report:" in line or ":ERROR:" in line)
    ]
    assert not console_errors, console_errors
