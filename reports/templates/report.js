/* Draw the report's figures with the embedded plotly.js and record the outcome on <body>:
   data-first-screen-ms once the figures on the first screen are drawn, data-plotly-ready="ok"
   and data-plotly-drawn=<n> once all are, data-js-errors on any error.

   The figures on (or near) the first screen are drawn at once; the others when they come near
   the screen or, one at a time, when the browser is idle, so that the page opens quickly and
   every figure is drawn within seconds even without scrolling. Printing draws any left. */
(function () {
  "use strict";
  var body = document.body;
  var errors = [];
  function fail(message) {
    errors.push(String(message));
    body.setAttribute("data-js-errors", String(errors.length));
    if (window.console) { console.error("report: " + message); }
  }
  window.addEventListener("error", function (event) { fail(event.message); });

  function registerDanish() {
    try {
      Plotly.register({
        moduleType: "locale", name: "da", dictionary: {},
        format: {
          days: ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
          shortDays: ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
          months: ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                   "september", "oktober", "november", "december"],
          shortMonths: ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
                        "nov", "dec"],
          date: "%d.%m.%Y", decimal: ",", thousands: "."
        }
      });
    } catch (err) { /* locale is a nicety, the figures carry their own separators */ }
  }

  var pending = [];   // {id, block, target} not drawn yet, in page order
  var total = 0, drawn = 0, settled = 0;
  var config = null;

  function finish() {
    if (settled < total) { return; }
    body.setAttribute("data-plotly-drawn", String(drawn));
    body.setAttribute("data-plotly-ready", errors.length ? "error" : "ok");
  }

  function drawOne(job) {
    var i = pending.indexOf(job);
    if (i < 0) { return; }
    pending.splice(i, 1);
    try {
      var fig = JSON.parse(job.block.textContent);
      Promise.resolve(Plotly.newPlot(job.target, fig.data, fig.layout, config))
        .then(function () {
          drawn += 1;
          scalable(job.target);
          if (job.target.on) { job.target.on("plotly_afterplot", function () { scalable(job.target); }); }
        }, function (err) { fail(job.id + ": " + err); })
        .then(function () { settled += 1; finish(); });
    } catch (err) { fail(job.id + ": " + err); settled += 1; finish(); }
  }

  // Give the drawn SVG a viewBox of its own size: on screen nothing changes; in print the
  // stylesheet lets it scale to the printed card's width instead of spilling over or clipping.
  function scalable(gd) {
    var container = gd.querySelector(".svg-container");
    Array.prototype.forEach.call(gd.querySelectorAll("svg.main-svg"), function (svg) {
      var w = svg.getAttribute("width"), h = svg.getAttribute("height");
      if (w && h) {
        svg.setAttribute("viewBox", "0 0 " + w + " " + h);
        if (container) { container.style.setProperty("--plot-ratio", w + " / " + h); }
      }
    });
  }

  function nearScreen(el, margin) {
    var r = el.getBoundingClientRect();
    return r.bottom >= -margin && r.top <= window.innerHeight + margin;
  }

  // The rest, one figure per idle moment (or timer tick where requestIdleCallback is missing).
  function drawWhenIdle() {
    if (!pending.length) { return; }
    var next = function () { drawOne(pending[0]); drawWhenIdle(); };
    if (window.requestIdleCallback) { window.requestIdleCallback(next, { timeout: 200 }); }
    else { setTimeout(next, 16); }
  }

  function drawAll() { while (pending.length) { drawOne(pending[0]); } }

  function start() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-figure]');
    total = blocks.length;
    body.setAttribute("data-figures-total", String(total));
    if (typeof window.Plotly === "undefined") { fail("plotly.js is missing"); return; }
    var lang = body.getAttribute("data-lang") || "da";
    if (lang === "da") { registerDanish(); }
    // No toolbar: it covered the tops of bars and means nothing to a board member.
    config = { displayModeBar: false, displaylogo: false, responsive: true, locale: lang };
    Array.prototype.forEach.call(blocks, function (block) {
      var id = block.getAttribute("data-figure");
      pending.push({ id: id, block: block, target: document.getElementById(id) });
    });
    if (!total) { finish(); return; }
    pending.filter(function (job) { return nearScreen(job.target, 200); }).forEach(drawOne);
    body.setAttribute("data-first-screen-ms", String(Math.round(performance.now())));
    if (window.IntersectionObserver) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) { return; }
          seen.unobserve(entry.target);
          pending.filter(function (job) { return job.target === entry.target; }).forEach(drawOne);
        });
      }, { rootMargin: "600px 0px" });
      pending.forEach(function (job) { seen.observe(job.target); });
    }
    window.addEventListener("load", drawWhenIdle);
  }

  // Printing: the width of the printed page's content (A4 portrait less the 12 mm margins of
  // report.css's @page, at 96 px per inch) and the cards' padding and gaps there; each figure is
  // drawn again at the width its card has on paper, so that its text keeps its size.
  var PRINT_CONTENT_PX = 703, PRINT_GAP_PX = 10, PRINT_CARD_PX = 26;
  function printWidth(gd) {
    var columns = gd.closest(".grid-2") ? 2 : 1;
    return Math.floor((PRINT_CONTENT_PX - (columns - 1) * PRINT_GAP_PX) / columns) - PRINT_CARD_PX;
  }
  function plots() { return Array.prototype.slice.call(document.querySelectorAll(".plot.js-plotly-plot")); }
  window.addEventListener("beforeprint", function () {
    drawAll();
    plots().forEach(function (gd) {
      try { Plotly.relayout(gd, { width: printWidth(gd), autosize: false }); } catch (err) { /* ignore */ }
    });
  });
  window.addEventListener("afterprint", function () {
    plots().forEach(function (gd) {
      try { Plotly.relayout(gd, { width: null, autosize: true }); } catch (err) { /* ignore */ }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
