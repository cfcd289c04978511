/* The leaders' dashboard: figures from /dashboard/figures.json every 60 s, charts with Chart.js. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("gp-dashboard-strings").textContent);
  var LANG = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  var fmt = new Intl.DateTimeFormat(LANG, { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
  var charts = {};

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o === null || o === undefined ? o : o[k]; }, obj);
  }
  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    tr.appendChild(td);
  }
  function when(iso) { return iso ? fmt.format(new Date(iso)) : "—"; }

  function chart(id, type, labels, datasets, stacked) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets.forEach(function (d, i) { d.data = datasets[i].data; });
      charts[id].update("none");
      return;
    }
    charts[id] = new Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { stacked: !!stacked }, y: { stacked: !!stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function render(f) {
    document.querySelectorAll("[data-figure]").forEach(function (node) {
      var v = get(f, node.getAttribute("data-figure"));
      node.textContent = v === null || v === undefined ? "—" : String(v);
    });
    document.querySelectorAll("[data-figure-time]").forEach(function (node) {
      node.textContent = when(get(f, node.getAttribute("data-figure-time")));
    });
    var basis = document.querySelector("[data-coverage-basis]");
    if (basis) {
      var c = f.coverage;
      while (basis.firstChild) basis.removeChild(basis.firstChild);
      basis.setAttribute("data-basis", c.basis || "");
      var figure = function (key, value) {
        var span = document.createElement("span");
        span.setAttribute("data-figure", key);
        span.textContent = String(value);
        return span;
      };
      if (c.basis === "run") {
        basis.append(" · " + S.basis.run + " #", figure("coverage.run", c.run), " · " + S.basis.anyNetwork + ": ",
          figure("coverage.covered_any_network", c.covered_any_network));
      } else {
        basis.append(" · " + (c.basis === "gaps" ? S.basis.gaps : S.basis.none));
      }
    }
    var tb = document.getElementById("complaints-by-commune");
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    f.complaints.by_commune.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.commune || "—"); cell(tr, r.open); cell(tr, f.complaints.deadline_known ? r.overdue : "—");
      tb.appendChild(tr);
    });
    var runs = document.getElementById("ingest-runs");
    while (runs.firstChild) runs.removeChild(runs.firstChild);
    f.ingest_runs.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-status", r.status);
      cell(tr, r.kind + ":" + r.source); cell(tr, when(r.started_at)); cell(tr, S.status[r.status] || r.status);
      cell(tr, r.rows_new); cell(tr, r.rows_rejected);
      runs.appendChild(tr);
    });
    var cov = f.coverage_by_commune.filter(function (r) { return r.covered !== null; });
    chart("chart-coverage", "bar", cov.map(function (r) { return r.commune; }), [
      { label: S.covered, data: cov.map(function (r) { return r.covered; }), backgroundColor: "#43a047" },
      { label: S.uncovered, data: cov.map(function (r) { return r.total - r.covered; }), backgroundColor: "#e53935" },
    ], true);
    chart("chart-hotspots", "bar", f.hotspots_per_day.map(function (r) { return r.day.slice(5); }), [
      { label: S.hotspots, data: f.hotspots_per_day.map(function (r) { return r.count; }), backgroundColor: "#ff7043" },
    ]);
    chart("chart-complaints", "line", f.complaints_per_week.map(function (r) { return r.week.slice(5); }), [
      { label: S.complaints, data: f.complaints_per_week.map(function (r) { return r.count; }), borderColor: "#f9a825", backgroundColor: "#fdd835", tension: 0.2 },
    ]);
    document.body.setAttribute("data-figures-at", f.generated_at);
  }

  function refresh() {
    fetch(S.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(function (e) { if (window.console) console.warn("dashboard refresh failed", e); });
  }

  render(JSON.parse(document.getElementById("gp-figures").textContent));
  setInterval(refresh, S.refreshSeconds * 1000);
  window.geoplatformDashboard = { refresh: refresh };
})();
