// Draws the charts a page embeds as JSON (see web/pages/charts.py and the `chart` macro
// in _components.html): <canvas data-chart="ID"> next to
// <script type="application/json" id="ID">{"type": "line"|"bar"|"funnel", ...}</script>.
// Uses the vendored Chart.js (static/vendor/chart.js); no inline script, no CDN.
(function () {
  "use strict";
  var PALETTE = ["#4f46e5", "#06b6d4", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#64748b"];

  function formatter(spec) {
    var fmt = spec.format || "number";
    if (fmt === "percent") {
      return function (v) { return (v * 100).toFixed(v < 0.1 ? 1 : 0) + "%"; };
    }
    if (fmt === "money") {
      var money = new Intl.NumberFormat(undefined, { style: "currency", currency: spec.currency || "USD", maximumFractionDigits: 0 });
      return function (v) { return money.format(v / 100); };
    }
    var number = new Intl.NumberFormat();
    return function (v) { return number.format(v); };
  }

  function funnelConfig(spec, format) {
    var values = spec.series[0].values;
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: [{ label: spec.series[0].name, data: values, backgroundColor: PALETTE[0], borderRadius: 4 }] },
      options: {
        indexAxis: "y", maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            var i = ctx.dataIndex, v = values[i], text = format(v);
            if (i > 0 && values[i - 1]) { text += " · " + (100 * v / values[i - 1]).toFixed(1) + "% of previous"; }
            if (i > 0 && values[0]) { text += " · " + (100 * v / values[0]).toFixed(1) + "% of first"; }
            return text;
          } } }
        },
        scales: { x: { beginAtZero: true, ticks: { callback: format } } }
      }
    };
  }

  function config(spec) {
    var format = formatter(spec);
    if (spec.type === "funnel") { return funnelConfig(spec, format); }
    var horizontal = !!spec.horizontal, stacked = !!spec.stacked, many = spec.series.length > 1;
    var valueAxis = horizontal ? "x" : "y", labelAxis = horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: stacked, ticks: { callback: format } };
    scales[labelAxis] = { stacked: stacked, grid: { display: false } };
    return {
      type: spec.type === "line" ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          var color = PALETTE[i % PALETTE.length];
          return { label: s.name, data: s.values, backgroundColor: color, borderColor: color, borderRadius: spec.type === "bar" ? 4 : 0, tension: 0.25, pointRadius: spec.labels.length > 40 ? 0 : 2, spanGaps: true };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x", maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: many, position: "bottom" },
          tooltip: { callbacks: { label: function (ctx) { return (many ? ctx.dataset.label + ": " : "") + format(ctx.parsed[valueAxis]); } } }
        },
        scales: scales
      }
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || !window.Chart) { return; }
    var box = canvas.parentElement;
    var height = parseInt(box.getAttribute("data-height"), 10);
    if (height > 0) { box.style.height = height + "px"; }
    var spec = JSON.parse(source.textContent);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#6b7280";
    canvas.chart = new Chart(canvas, config(spec));
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
  }

  window.devfunnelCharts = { draw: draw, drawAll: drawAll, config: config };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
