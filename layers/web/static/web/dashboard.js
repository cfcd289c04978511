/* The leaders' dashboard: figures from /dashboard/figures.json every 60 s, charts with Chart.js. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("gp-dashboard-strings").textContent);
  var LANG = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  var TZ = "Asia/Ho_Chi_Minh";
  var fmt = new Intl.DateTimeFormat(LANG, { timeZone: TZ, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
  var dayMonth = new Intl.DateTimeFormat(LANG, { timeZone: "UTC", day: "2-digit", month: "2-digit" });
  // Vietnamese writes 1.234 and 97,5; English 1,234 and 97.5.
  var integer = new Intl.NumberFormat(LANG, { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat(LANG, { maximumFractionDigits: 1 });
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(LANG, { numeric: "auto" }) : null;
  var charts = {};

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o === null || o === undefined ? o : o[k]; }, obj);
  }
  function number(v, format) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v !== "number") return String(v);
    return (format === "percent" || !Number.isInteger(v) ? decimal : integer).format(v);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function cell(tr, content, label) {
    var td = document.createElement("td");
    // A labelled cell keeps its content in one box: on a phone the label and that box sit side by side.
    var box = label ? td.appendChild(el("div", "gp-cell")) : td;
    if (label) td.setAttribute("data-label", label);
    (Array.isArray(content) ? content : [content]).forEach(function (c) {
      if (c === null || c === undefined) return;
      box.append(typeof c === "object" ? c : String(c));
    });
    if (!box.childNodes.length) box.textContent = "—";
    tr.appendChild(td);
    return td;
  }
  function when(iso) { return iso ? fmt.format(new Date(iso)) : "—"; }
  function ago(iso) {
    if (!iso || !relative) return "";
    var minutes = Math.round((new Date(iso).getTime() - Date.now()) / 60000);
    if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
    var hours = Math.round(minutes / 60);
    if (Math.abs(hours) < 48) return relative.format(hours, "hour");
    return relative.format(Math.round(hours / 24), "day");
  }
  function shortDay(isoDate) { return dayMonth.format(new Date(isoDate + "T00:00:00Z")); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function chart(id, type, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets.forEach(function (d, i) { d.data = datasets[i].data; });
      charts[id].update("none");
      return;
    }
    var horizontal = options && options.horizontal;
    var stacked = !!(options && options.stacked);
    var valueAxis = { stacked: stacked, beginAtZero: true, ticks: { precision: 0, font: { size: 12 } } };
    var categoryAxis = { stacked: stacked, ticks: { autoSkip: !horizontal, maxRotation: 0, font: { size: 12 } } };
    charts[id] = new Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        locale: LANG, animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { display: datasets.length > 1, labels: { font: { size: 12 } } },
          tooltip: options && options.titlePrefix ? {
            callbacks: { title: function (items) { return options.titlePrefix + " " + items[0].label; } },
          } : {},
        },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      },
    });
  }

  function renderBasis(c) {
    var basis = document.querySelector("[data-coverage-basis]");
    if (!basis) return;
    clear(basis);
    basis.setAttribute("data-basis", c.basis || "");
    var figure = function (key, value) {
      var span = el("span", null, number(value));
      span.setAttribute("data-figure", key);
      return span;
    };
    if (c.basis === "run") {
      basis.append(" · " + S.basis.run + " #", figure("coverage.run", c.run), " · " + S.basis.anyNetwork + ": ",
        figure("coverage.covered_any_network", c.covered_any_network));
    } else {
      basis.append(" · " + (c.basis === "gaps" ? S.basis.gaps : S.basis.none));
    }
  }

  function renderFeeds(feeds) {
    var F = S.feeds;
    var body = document.getElementById("ingest-runs");
    clear(body);
    if (!feeds.length) {
      var tr = document.createElement("tr");
      cell(tr, F.empty).setAttribute("colspan", "5");
      body.appendChild(tr);
      return;
    }
    feeds.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-status", r.status);
      tr.setAttribute("data-kind", r.kind);
      var source = [el("b", "gp-feed-kind", r.kind_label)];
      if (r.source) source.push(" ", el("span", "gp-feed-source", r.source));
      if (r.runs > 1) source.push(" ", el("span", "gp-feed-runs", F.runs + ": " + number(r.runs)));
      cell(tr, source, F.source);
      var started = [el("time", null, when(r.started_at))];
      var since = ago(r.started_at);
      if (since) started.push(" ", el("span", "gp-feed-ago", "(" + since + ")"));
      if (r.status === "failed") {
        started.push(el("span", "gp-feed-lastok",
          r.last_succeeded_at ? F.lastSucceeded + ": " + when(r.last_succeeded_at) : F.never));
      }
      cell(tr, started, F.started);
      cell(tr, el("span", "gp-status gp-status-" + r.status, r.status_label || S.status[r.status] || r.status), F.status);
      cell(tr, number(r.rows_new) + " / " + number(r.rows_rejected), F.rows);
      var details = [];
      if (r.reason) details.push(el("span", "gp-feed-reason", r.reason));
      if (r.link) {
        var a = el("a", "gp-feed-link", F.onMap);
        a.href = r.link;
        a.setAttribute("aria-label", F.onMap + ": " + r.kind_label + (r.source ? " " + r.source : ""));
        details.push(a);
      }
      cell(tr, details, F.details);
      body.appendChild(tr);
    });
  }

  function render(f) {
    document.querySelectorAll("[data-figure]").forEach(function (node) {
      node.textContent = number(get(f, node.getAttribute("data-figure")), node.getAttribute("data-format"));
    });
    document.querySelectorAll("[data-figure-time]").forEach(function (node) {
      node.textContent = when(get(f, node.getAttribute("data-figure-time")));
    });
    renderBasis(f.coverage);
    var tb = document.getElementById("complaints-by-commune");
    clear(tb);
    f.complaints.by_commune.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.commune || "—"); cell(tr, number(r.open)); cell(tr, f.complaints.deadline_known ? number(r.overdue) : "—");
      tb.appendChild(tr);
    });
    renderFeeds(f.feeds);
    var cov = f.coverage_by_commune.filter(function (r) { return r.covered !== null; });
    // One bar per commune, side by side on a phone would be unreadable: horizontal bars, 28 px each.
    var box = document.getElementById("chart-coverage-box");
    if (box) box.style.height = Math.max(180, 28 * cov.length + 60) + "px";
    chart("chart-coverage", "bar", cov.map(function (r) { return r.commune; }), [
      { label: S.covered, data: cov.map(function (r) { return r.covered; }), backgroundColor: "#43a047" },
      { label: S.uncovered, data: cov.map(function (r) { return r.total - r.covered; }), backgroundColor: "#e53935" },
    ], { stacked: true, horizontal: true });
    chart("chart-hotspots", "bar", f.hotspots_per_day.map(function (r) { return shortDay(r.day); }), [
      { label: S.hotspots, data: f.hotspots_per_day.map(function (r) { return r.count; }), backgroundColor: "#ff7043" },
    ]);
    chart("chart-complaints", "line", f.complaints_per_week.map(function (r) { return shortDay(r.week); }), [
      { label: S.complaints, data: f.complaints_per_week.map(function (r) { return r.count; }), borderColor: "#f9a825", backgroundColor: "#fdd835", tension: 0.2 },
    ], { titlePrefix: S.weekOf });
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
