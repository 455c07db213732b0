/* Draw every figure of the report with the embedded plotly.js; record the outcome on <body>
   (data-plotly-ready="ok" once all figures are drawn; data-js-errors counts errors). */
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

  function draw() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-figure]');
    body.setAttribute("data-figures-total", String(blocks.length));
    if (typeof window.Plotly === "undefined") { fail("plotly.js is missing"); return; }
    var lang = body.getAttribute("data-lang") || "da";
    if (lang === "da") { registerDanish(); }
    var config = {
      displaylogo: false, responsive: true, locale: lang,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
    };
    var drawn = 0;
    var jobs = [];
    Array.prototype.forEach.call(blocks, function (block) {
      var id = block.getAttribute("data-figure");
      var target = document.getElementById(id);
      try {
        var fig = JSON.parse(block.textContent);
        jobs.push(Promise.resolve(Plotly.newPlot(target, fig.data, fig.layout, config))
          .then(function () { drawn += 1; }, function (err) { fail(id + ": " + err); }));
      } catch (err) { fail(id + ": " + err); }
    });
    Promise.all(jobs).then(function () {
      body.setAttribute("data-plotly-drawn", String(drawn));
      body.setAttribute("data-plotly-ready", errors.length ? "error" : "ok");
    });
  }

  function resizeAll() {
    var plots = document.querySelectorAll(".plot.js-plotly-plot");
    Array.prototype.forEach.call(plots, function (gd) {
      try { Plotly.Plots.resize(gd); } catch (err) { /* ignore */ }
    });
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
