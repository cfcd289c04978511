// Charts of the statistics page; data comes from a json_script block (never evaluated as HTML).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var labels = JSON.parse(document.getElementById("stats-labels").textContent);
  var ROW = 30; // px per bar: every category and commune keeps its own readable line on a phone
  var LINE = 22; // characters per label line: fits beside the bars on a 390 px phone
  // A long name on two or three short lines, broken between words, so it is never cut at the screen's edge.
  function wrap(text) {
    var lines = [];
    String(text).split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= LINE) { lines[last] += " " + word; } else { lines.push(word); }
    });
    return lines.length > 1 ? lines : lines[0];
  }
  function bars(id, rows, label, field, color, max) {
    var canvas = document.getElementById(id);
    // Horizontal bars: long names (categories, communes) sit on their own line instead of being skipped.
    canvas.parentNode.style.height = (rows.length * ROW * 1.4 + 70) + "px";
    var value = { beginAtZero: true, ticks: { precision: 0 }, max: max };
    new Chart(canvas, {
      type: "bar",
      data: { labels: rows.map(function (r) { return wrap(r.name || r.key); }),
              datasets: [{ label: label, data: rows.map(function (r) { return r[field]; }), backgroundColor: color }] },
      // Counts are whole reports: no 0.2 of a report on the axis.
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false,
                 scales: { x: value, y: { ticks: { autoSkip: false } } } }
    });
  }
  bars("chart-month", data.by_month, labels.by_month, "volume", "#1565c0");
  bars("chart-category", data.by_category, labels.by_category, "on_time_percent", "#2e7d32", 100);
  bars("chart-commune", data.by_commune, labels.by_commune, "volume", "#f9a825");
})();
