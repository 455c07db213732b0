"""Drive real headless chromium over a copy of the report: layout measurements, screenshots and
the time the page takes to open, with the standard library only (no CDP client).

Headless chromium does not lay a window out narrower than 500 px, so the report is opened inside
an ``<iframe>`` of the wanted width (its media queries see the iframe's width, as a phone's would).
A measuring script injected into the copy waits until the page's own script has drawn every
figure (``data-plotly-ready`` on ``<body>``), measures, and posts the results to the wrapper page,
which writes them into its DOM; ``--dump-dom`` then prints them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

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
    "--allow-file-access-from-files",
)

# Measured in the report's page once every figure is drawn (and the layout has settled).
MEASURE_JS = r"""
<script>
(function () {
  "use strict";
  function rect(el) { var r = el.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom}; }
  function name(el) {
    var s = el.closest("section");
    return el.tagName.toLowerCase() + "." + String(el.className.baseVal !== undefined ? el.className.baseVal : el.className)
      + (el.id ? "#" + el.id : "") + " in #" + (s ? s.id : "?");
  }
  function overlaps(a, b) { return a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1; }
  function measure() {
    var body = document.body, doc = document.documentElement, out = {};
    out.width = window.innerWidth;
    out.ready = body.getAttribute("data-plotly-ready");
    out.drawn = Number(body.getAttribute("data-plotly-drawn") || 0);
    out.figures = Number(body.getAttribute("data-figures") || 0);
    out.js_errors = Number(body.getAttribute("data-js-errors") || 0);
    out.doc_overflow = doc.scrollWidth > doc.clientWidth + 1 ? [doc.scrollWidth, doc.clientWidth] : null;
    out.overflow = [];
    // Every card and everything in a card outside the Plotly drawings (a clipped or scrolled
    // table cell counts as much as a card that spills over).
    document.querySelectorAll(".card, .kpi, .section, .card div, .card th, .card td, .kpi div, .kpi p").forEach(function (el) {
      if (el.closest(".plot")) { return; }
      if (el.scrollWidth > el.clientWidth + 1) { out.overflow.push([name(el), el.scrollWidth, el.clientWidth]); }
    });
    out.outside = [];
    document.querySelectorAll(".card, .kpi-small").forEach(function (card) {
      var c = rect(card);
      card.querySelectorAll("svg, table, img").forEach(function (el) {
        var r = rect(el);
        if (r.r > c.r + 1 || r.l < c.l - 1) { out.outside.push([name(el), Math.round(r.l), Math.round(r.r), Math.round(c.l), Math.round(c.r)]); }
      });
    });
    out.empty_plots = [];
    out.label_overlaps = [];
    document.querySelectorAll(".plot").forEach(function (plot) {
      var svg = plot.querySelector("svg.main-svg");
      var marks = svg ? svg.querySelectorAll(".plot path, .plot rect, .trace path, .point").length : 0;
      if (!svg || svg.getBoundingClientRect().width < 10 || marks === 0) { out.empty_plots.push(plot.id); }
      var texts = Array.prototype.map.call(plot.querySelectorAll(".textpoint text, .slicetext text"), rect)
        .filter(function (r) { return r.r > r.l; });
      for (var i = 0; i < texts.length; i++) { for (var j = i + 1; j < texts.length; j++) {
        if (overlaps(texts[i], texts[j])) { out.label_overlaps.push(plot.id); i = texts.length; break; }
      } }
    });
    out.empty_minis = [];
    document.querySelectorAll("svg.mini-chart").forEach(function (svg, i) {
      if (!svg.querySelector("polyline, circle") || svg.getBoundingClientRect().width < 10) { out.empty_minis.push(i); }
    });
    out.modebars = document.querySelectorAll(".modebar-btn").length;
    out.height = doc.scrollHeight;
    out.ms = performance.now();
    var text = JSON.stringify(out);
    if (window.parent !== window) { window.parent.postMessage(text, "*"); }
    var pre = document.createElement("pre"); pre.id = "measure-out"; pre.textContent = text; body.appendChild(pre);
  }
  function wait() {
    if (document.body.getAttribute("data-plotly-ready")) { setTimeout(measure, 300); } else { setTimeout(wait, 50); }
  }
  wait();
}());
</script>
"""

# The time to open: measured in the load event, in real time (no virtual time budget).
TIMING_JS = r"""
<script>
window.addEventListener("load", function () {
  var nav = performance.getEntriesByType("navigation")[0];
  var out = {load_ms: performance.now(), dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
             ready: document.body.getAttribute("data-plotly-ready"),
             drawn: Number(document.body.getAttribute("data-plotly-drawn") || 0),
             first_screen_ms: Number(document.body.getAttribute("data-first-screen-ms") || -1)};
  var pre = document.createElement("pre"); pre.id = "measure-out"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""

WRAPPER = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; padding: 0; background: #fff; }} iframe {{ border: 0; display: block; }}
</style></head><body>
<div style="overflow: hidden; height: {window}px">
<iframe id="frame" src="{src}" style="width: {width}px; height: {height}px; margin-top: -{offset}px"></iframe>
</div>
<script>
window.addEventListener("message", function (event) {{
  var pre = document.createElement("pre"); pre.id = "measure-out"; pre.textContent = String(event.data);
  document.body.appendChild(pre);
}});
</script></body></html>
"""


def browser() -> str | None:
    """The chromium (or Chrome) executable on PATH, if any."""
    for candidate in BROWSERS:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def inject(report: Path, script: str, dest: Path) -> Path:
    """A copy of ``report`` with ``script`` just before ``</body>``."""
    text = report.read_text(encoding="utf-8")
    end = text.rindex("</body>")
    dest.write_text(text[:end] + script + text[end:], encoding="utf-8")
    return dest


def run(args: list[str], work: Path, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    exe = browser()
    if exe is None:
        raise FileNotFoundError("chromium not found on PATH")
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
    return subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def _result(dom: str) -> dict:
    found = re.findall(r'<pre id="measure-out">(.*?)</pre>', dom, re.S)
    if not found:
        raise AssertionError(f"no measurement in the page: {dom[-1500:]}")
    return json.loads(html.unescape(found[-1]))


def _wrapped(
    report: Path, work: Path, width: int, height: int, offset: int = 0, window: int | None = None
) -> Path:
    """A page showing the report in an iframe ``width`` × ``height``, scrolled down by ``offset``
    and cut to ``window`` pixels."""
    copy = inject(report, MEASURE_JS, work / f"report_{width}.html")
    wrapper = work / f"wrapper_{width}_{offset}.html"
    wrapper.write_text(WRAPPER.format(src=copy.name, width=width, height=height, offset=offset,
                                      window=window or height), encoding="utf-8")
    return wrapper


def measure(report: Path, width: int, work: Path) -> dict:
    """Layout measurements of ``report`` at ``width`` CSS pixels, once every figure is drawn."""
    wrapper = _wrapped(report, work, width, 900)
    done = run(["--virtual-time-budget=30000", f"--window-size={max(width, 500) + 20},900",
                "--dump-dom", wrapper.as_uri()], work)
    if done.returncode != 0:
        raise AssertionError(done.stderr[-2000:])
    return _result(done.stdout)


def screenshot(report: Path, width: int, out: Path, work: Path, part: int = 12000) -> list[Path]:
    """Full-page screenshots of ``report`` at ``width`` CSS pixels, in parts of at most ``part``
    pixels (``<out>_1.png``, ...; image tools refuse very tall images)."""
    height = measure(report, width, work)["height"] + 20
    window = max(width, 500)
    parts = []
    for n, offset in enumerate(range(0, height, part), start=1):
        cut = min(part, height - offset)
        wrapper = _wrapped(report, work, width, height, offset, cut)
        shot = out.with_name(f"{out.stem}_{n}.png")
        done = run(["--virtual-time-budget=30000", f"--window-size={window},{cut}",
                    f"--screenshot={shot}", wrapper.as_uri()], work)
        if done.returncode != 0 or not shot.exists():
            raise AssertionError(done.stderr[-2000:])
        convert = shutil.which("convert")
        if convert and window > width:
            subprocess.run([convert, str(shot), "-crop", f"{width}x{cut}+0+0", "+repage", str(shot)], check=True)
        parts.append(shot)
    return parts


def open_time(report: Path, work: Path, width: int = 1400) -> dict:
    """How long the report takes to open, in real time: parsing, plotly.js and drawing, up to the
    page's load event (the figures are drawn before it)."""
    copy = inject(report, TIMING_JS, work / "report_timing.html")
    done = run([f"--window-size={width},900", "--dump-dom", copy.as_uri()], work)
    if done.returncode != 0:
        raise AssertionError(done.stderr[-2000:])
    return _result(done.stdout)
