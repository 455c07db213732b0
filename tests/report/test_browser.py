"""The report in a real browser: headless Debian chromium opens the file offline.

Needs ``chromium`` on PATH (CI: ``apt-get update && apt-get install -y chromium``); skipped with a
clear message where it is missing. The page's own script sets ``data-plotly-ready="ok"`` and
``data-plotly-drawn=<n>`` on ``<body>`` once every figure is drawn, and ``data-js-errors`` on any
error, so the dumped DOM tells whether the JavaScript ran cleanly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
)


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "chromium not found on PATH; install it with "
        "`apt-get update && apt-get install -y chromium` to run the browser test"
    )


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args[:1], *FLAGS, f"--user-data-dir={profile}", *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_draws_in_headless_chromium_without_errors(
    render: Callable[..., tuple[Path, str]], tmp_path: Path
) -> None:
    browser = _browser()
    path, text = render()
    n_figures = int(re.search(r'data-figures="(\d+)"', text).group(1))
    url = path.resolve().as_uri()

    dom = _run([browser, "--dump-dom", url], tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stdout[:500]
    tag = body.group(0)
    assert "data-js-errors" not in tag, tag
    assert 'data-plotly-ready="ok"' in tag, tag
    assert f'data-plotly-drawn="{n_figures}"' in tag, tag
    assert dom.stdout.count('class="main-svg"') >= n_figures  # Plotly drew SVG for each figure

    shot = tmp_path / "report.png"
    run = _run(
        [browser, "--enable-logging=stderr", "--v=0", "--window-size=1366,2400",
         f"--screenshot={shot}", url],
        tmp_path / "profile-shot",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000
    console_errors = [
        line for line in run.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "report:" in line or ":ERROR:" in line)
    ]
    assert not console_errors, console_errors
