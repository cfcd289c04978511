// Charts of the statistics page; data comes from a json_script block (never evaluated as HTML).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var labels = JSON.parse(document.getElementById("stats-labels").textContent);
  function bars(id, rows, label, field, color, max) {
    new Chart(document.getElementById(id), {
      type: "bar",
      data: { labels: rows.map(function (r) { return r.name || r.key; }),
              datasets: [{ label: label, data: rows.map(function (r) { return r[field]; }), backgroundColor: color }] },
      // Counts are whole reports: no 0.2 of a report on the axis.
      options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 }, max: max } } }
    });
  }
  bars("chart-month", data.by_month, labels.by_month, "volume", "#1565c0");
  bars("chart-category", data.by_category, labels.by_category, "on_time_percent", "#2e7d32", 100);
  bars("chart-commune", data.by_commune, labels.by_commune, "volume", "#f9a825");
})();
