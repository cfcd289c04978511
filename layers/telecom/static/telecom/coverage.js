// Coverage planner page: start a run and follow its progress, compare runs, map village statuses.
(function () {
  "use strict";
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const post = (url, body) =>
    fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const progress = document.getElementById("cov-progress");

  function follow(id) {
    fetch(`/coverage/runs/${id}/`).then((r) => r.json()).then((run) => {
      const p = run.progress || {};
      progress.textContent = `#${run.id} ${run.status} ${p.done || 0}/${p.total || "?"} ${p.tower || ""} ${run.message || ""}`;
      if (run.status === "succeeded" || run.status === "failed") { setTimeout(() => location.reload(), 800); return; }
      setTimeout(() => follow(id), 1000);
    });
  }

  const compute = document.getElementById("cov-compute");
  compute.addEventListener("click", () => {
    compute.disabled = true;
    post(compute.dataset.url, {}).then((r) => r.json().then((body) => {
      if (!r.ok) { progress.textContent = body.error ? body.error.message : r.statusText; compute.disabled = false; return; }
      follow(body.id);
    }));
  });

  const calibrate = document.getElementById("cov-calibrate");
  if (calibrate) calibrate.addEventListener("click", () => post(calibrate.dataset.url).then(() => location.reload()));

  const map = L.map("cov-map").setView([15.25, 108.2], 11);
  window.gpBasemaps(map, JSON.parse(document.getElementById("cov-basemap").textContent));
  const layer = L.layerGroup().addTo(map);
  const changed = L.layerGroup().addTo(map);
  const colours = { covered: "#2e7d32", weak: "#ef6c00", none: "#c62828" };

  // Two runs compared on the map: each changed village is a ring in its "before" colour around a
  // dot in its "after" colour; the table lists the same changes.
  const cmp = document.getElementById("cov-compare");
  cmp.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams(new FormData(cmp));
    fetch(`${cmp.dataset.url}?${q}`).then((r) => r.json()).then((d) => {
      const table = document.getElementById("cov-changes");
      table.replaceChildren();
      changed.clearLayers();
      for (const c of d.changes || []) {
        const tr = table.insertRow();
        const label = `${c.village} (${c.commune})`;
        for (const v of [label, `${c.operator} ${c.technology}`, c.before, "→", c.after]) tr.insertCell().textContent = v;
        const text = `${label} ${c.operator} ${c.technology}: ${c.before} → ${c.after}`;
        L.circleMarker([c.lat, c.lon], { radius: 11, weight: 4, color: colours[c.before] || "#777", fill: false }).addTo(changed);
        L.circleMarker([c.lat, c.lon], { radius: 5, stroke: false, fillColor: colours[c.after] || "#777", fillOpacity: 1 })
          .on("click", () => { document.getElementById("cov-reason").textContent = text; })
          .addTo(changed);
      }
      if (d.error) table.insertRow().insertCell().textContent = d.error.message;
      if ((d.changes || []).length) map.fitBounds(L.latLngBounds(d.changes.map((c) => [c.lat, c.lon])).pad(0.3));
    });
  });
  const filter = document.getElementById("cov-filter");
  function draw() {
    const f = new FormData(filter);
    if (!f.get("run")) return;
    fetch(`/coverage/runs/${f.get("run")}/villages.geojson?operator=${f.get("operator")}&technology=${f.get("technology")}`)
      .then((r) => r.json()).then((fc) => {
        layer.clearLayers();
        const g = L.geoJSON(fc, {
          pointToLayer: (ft, ll) => L.circleMarker(ll, { radius: 7, color: colours[ft.properties.status], fillOpacity: 0.8 }),
          onEachFeature: (ft, l) => l.on("click", () => {
            document.getElementById("cov-reason").textContent =
              `${ft.properties.village} (${ft.properties.commune}): ${ft.properties.status} (${ft.properties.best_dbm ?? "-"} dBm). ${ft.properties.reason}`;
          }),
        }).addTo(layer);
        if (fc.features.length) map.fitBounds(g.getBounds().pad(0.2));
      });
  }
  filter.addEventListener("change", draw);
  draw();
})();
