// Coverage planner page: the map (villages, gaps, towers, planned sites), computing, planning and comparing runs.
(function () {
  "use strict";
  const S = JSON.parse(document.getElementById("cov-strings").textContent);
  const base = document.querySelector("[data-testid=coverage-page]").dataset.base;
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  const colours = { covered: "#2e7d32", weak: "#ef6c00", none: "#c62828" };
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };

  // A run followed until it ends: its progress in words, then onDone(run).
  function follow(id, out, onDone) {
    fetch(`${base}runs/${id}/`).then((r) => r.json()).then((run) => {
      out.textContent = `${run.label}: ${run.progress_text}`;
      if (run.status === "succeeded" || run.status === "failed") { onDone(run); return; }
      setTimeout(() => follow(id, out, onDone), 1000);
    }).catch(() => { out.textContent = S.network_error; });
  }

  const progress = document.getElementById("cov-progress");
  const compute = document.getElementById("cov-compute");
  compute.addEventListener("click", () => {
    compute.disabled = true;
    post(compute.dataset.url, {}).then((r) => r.json().then((body) => {
      if (!r.ok) { progress.textContent = fill(S.failed, { message: body.error.message }); compute.disabled = false; return; }
      follow(body.id, progress, () => setTimeout(() => location.reload(), 800));
    })).catch(() => { progress.textContent = S.network_error; compute.disabled = false; });
  });

  const calibrate = document.getElementById("cov-calibrate");
  if (calibrate) calibrate.addEventListener("click", () => post(calibrate.dataset.url).then(() => location.reload()));

  // The map: gaps under villages, towers and planned sites on top.
  const map = L.map("cov-map", { zoomSnap: 0.25 }).setView([15.25, 108.2], 11);
  window.geoplatform = Object.assign(window.geoplatform || {}, { map: map });
  window.gpBasemaps(map, JSON.parse(document.getElementById("cov-basemap").textContent));
  // Gap areas in their own pane under the village dots, whichever arrives first or is switched on last.
  map.createPane("cov-gaps").style.zIndex = 350;
  const layers = {
    gaps: L.layerGroup().addTo(map),
    villages: L.layerGroup().addTo(map),
    towers: L.layerGroup().addTo(map),
    planned: L.layerGroup().addTo(map),
  };
  const changed = L.layerGroup().addTo(map);
  const reasonBox = document.getElementById("cov-reason");
  // What was tapped, said twice: in a popup where the finger is, and in the box under the map (kept for reading).
  function tell(latlng, text) {
    reasonBox.textContent = text;
    L.popup({ maxWidth: 280, autoPanPadding: [12, 12] }).setLatLng(latlng).setContent(el("p", text, "cov-popup")).openOn(map);
  }
  const legend = document.querySelector("[data-testid=legend]");
  legend.addEventListener("change", (ev) => {
    const layer = layers[ev.target.name];
    if (!layer) return;
    if (ev.target.checked) map.addLayer(layer); else map.removeLayer(layer);
  });

  const towerIcon = L.divIcon({ className: "cov-tower-icon", html: "", iconSize: [16, 14] });
  const plannedIcon = L.divIcon({ className: "cov-planned-icon", html: "<span></span>", iconSize: [22, 22] });
  function plannedMarkers(sites) {
    layers.planned.clearLayers();
    for (const s of sites) {
      L.marker([s.lat, s.lon], { icon: plannedIcon, title: `${S.planned}: ${s.name}`, zIndexOffset: 1000 })
        .on("click", (ev) => tell(ev.latlng, `${S.planned}: ${s.name}`))
        .addTo(layers.planned);
    }
  }

  function villageText(p) {
    const level = p.best_dbm_text ? `, ${p.best_dbm_text}` : "";
    return `${p.village} (${p.commune}) · ${p.network}: ${p.status_label}${level}. ${p.reason}`;
  }

  function gapList(features) {
    const list = document.getElementById("cov-gaplist");
    list.replaceChildren();
    const poor = features.filter((f) => f.properties.status !== "covered")
      .sort((a, b) => (b.properties.population || 0) - (a.properties.population || 0));
    if (!poor.length) list.append(el("li", S.no_gap_villages));
    for (const f of poor) {
      const li = el("li");
      li.append(el("strong", `${f.properties.village} (${f.properties.commune})`), " ",
        el("span", f.properties.status_label, `s-${f.properties.status}`),
        f.properties.best_dbm_text ? ` (${f.properties.best_dbm_text})` : "", `: ${f.properties.reason}`);
      list.append(li);
    }
  }

  const filter = document.getElementById("cov-filter");
  const gapNote = document.getElementById("cov-gap-note");
  let fitted = false;
  function draw() {
    const f = new FormData(filter);
    const net = `operator=${encodeURIComponent(f.get("operator"))}&technology=${encodeURIComponent(f.get("technology"))}`;
    const bounds = L.latLngBounds([]);
    const jobs = [
      fetch(`${base}gaps.geojson?${net}&run=${encodeURIComponent(f.get("run") || "")}`).then((r) => r.json()).then((fc) => {
        layers.gaps.clearLayers();
        gapNote.textContent = fc.features.length || !f.get("run") ? "" : S.no_gaps;
        const g = L.geoJSON(fc, {
          pane: "cov-gaps",
          style: (ft) => ({
            color: colours[ft.properties.severity], weight: 2, dashArray: "4 3",
            fillColor: colours[ft.properties.severity], fillOpacity: 0.4,
          }),
          onEachFeature: (ft, l) => l.on("click", (ev) => tell(ev.latlng,
            `${S.gap[ft.properties.severity]} · ${ft.properties.network}: ${ft.properties.population_text} ${S.people}`)),
        }).addTo(layers.gaps);
        if (fc.features.length) bounds.extend(g.getBounds());
      }),
      fetch(`${base}towers.geojson?${net}`).then((r) => r.json()).then((fc) => {
        layers.towers.clearLayers();
        for (const ft of fc.features) {
          const [lon, lat] = ft.geometry.coordinates;
          bounds.extend([lat, lon]);
          L.marker([lat, lon], { icon: towerIcon, title: `${S.tower}: ${ft.properties.name} (${ft.properties.network})` })
            .on("click", (ev) => tell(ev.latlng, `${S.tower}: ${ft.properties.name} (${ft.properties.network})`))
            .addTo(layers.towers);
        }
      }),
    ];
    if (f.get("run")) {
      jobs.push(fetch(`${base}runs/${f.get("run")}/villages.geojson?${net}`).then((r) => r.json()).then((fc) => {
        layers.villages.clearLayers();
        const g = L.geoJSON(fc, {
          pointToLayer: (ft, ll) => L.circleMarker(ll, {
            radius: 9, weight: 2, color: "#fff", fillColor: colours[ft.properties.status], fillOpacity: 0.95,
          }),
          onEachFeature: (ft, l) => l.on("click", (ev) => tell(ev.latlng, villageText(ft.properties))),
        }).addTo(layers.villages);
        if (fc.features.length) bounds.extend(g.getBounds());
        gapList(fc.features);
      }));
      jobs.push(fetch(`${base}runs/${f.get("run")}/`).then((r) => r.json()).then((run) => plannedMarkers(run.planned_sites || [])));
    }
    return Promise.all(jobs).then(() => {
      if (!fitted && bounds.isValid()) { map.fitBounds(bounds.pad(0.15)); fitted = true; }
      document.getElementById("cov-map").dataset.ready = `${f.get("run")}/${f.get("operator")}/${f.get("technology")}`;
    });
  }
  filter.addEventListener("change", draw);
  draw();

  // Planning: k sites for one network, shown on the map with the people each brings; then saved as a what-if run.
  const planForm = document.getElementById("cov-plan");
  const planError = document.getElementById("plan-error");
  const planStatus = document.getElementById("plan-status");
  const result = document.getElementById("plan-result");
  const save = document.getElementById("plan-save");
  const saveProgress = document.getElementById("plan-progress");
  let currentPlan = null;
  function showError(message, field) {
    planError.textContent = message;
    for (const input of planForm.querySelectorAll("[name]")) {
      if (input.name === field) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    }
    const bad = field && planForm.querySelector(`[name=${field}]`);
    if (bad) bad.focus();
  }
  planForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = new FormData(planForm);
    const k = Number(data.get("k"));
    if (!Number.isInteger(k) || k < 1 || k > 50 || String(data.get("k")).trim() === "") {
      showError(S.k_error, "k");
      return;
    }
    showError("", null);
    const button = planForm.querySelector("button");
    button.disabled = true;
    result.hidden = true;
    planStatus.textContent = S.planning;
    post(planForm.dataset.url, {
      k: k, operator: data.get("operator"), technology: data.get("technology"),
      candidates: data.get("candidates"), what_if: false,
    }).then((r) => r.json().then((body) => {
      button.disabled = false;
      planStatus.textContent = "";
      if (!r.ok) { showError(body.error.message, body.error.field); return; }
      currentPlan = body;
      document.getElementById("plan-total").textContent = `${body.network}: ` +
        fill(S.people_added, { people: body.population_text, bound: body.upper_bound_text, k: body.asked });
      // Fewer sites than asked: say why, not just a shorter list.
      const shortfall = document.getElementById("plan-shortfall");
      shortfall.textContent = body.shortfall;
      shortfall.hidden = !body.shortfall;
      const list = document.getElementById("plan-sites");
      list.replaceChildren();
      for (const s of body.sites) {
        const villages = s.villages.map((v) => `${v.name} (${v.commune})`).join(", ");
        const li = el("li");
        li.append(el("strong", s.name), ` (${fill(S.elevation, { m: s.elevation_text })}): +${s.population_text} ${S.people}`,
          villages ? ` · ${villages}` : "");
        list.append(li);
      }
      plannedMarkers(body.sites);
      legend.querySelector("input[name=planned]").checked = true;
      map.addLayer(layers.planned);
      showPlan();
      save.disabled = false;
      saveProgress.textContent = "";
      result.hidden = false;
    })).catch(() => { button.disabled = false; planStatus.textContent = S.network_error; });
  });
  // The planned sites with the villages around them, so the people gained can be seen beside each site.
  function showPlan() {
    if (!currentPlan || !currentPlan.sites.length) return;
    const bounds = L.latLngBounds(currentPlan.sites.map((s) => [s.lat, s.lon]));
    layers.villages.eachLayer((g) => { if (g.getBounds) bounds.extend(g.getBounds()); });
    map.fitBounds(bounds.pad(0.2), { maxZoom: 14 });
  }
  document.getElementById("plan-show").addEventListener("click", () => {
    document.getElementById("cov-map").scrollIntoView({ block: "center" });
    showPlan();
  });
  save.addEventListener("click", () => {
    if (!currentPlan) return;
    save.disabled = true;
    post(`${base}plans/${currentPlan.id}/what-if/`).then((r) => r.json().then((body) => {
      if (!r.ok) { saveProgress.textContent = fill(S.failed, { message: body.error.message }); save.disabled = false; return; }
      follow(body.id, saveProgress, (run) => {
        if (run.status === "failed") { saveProgress.textContent = fill(S.failed, { message: run.message }); return; }
        saveProgress.textContent = fill(S.saved, { label: run.label });
        setTimeout(() => { location.href = `${base}?run=${run.id}`; }, 1200);
      });
    })).catch(() => { save.disabled = false; saveProgress.textContent = S.network_error; });
  });

  // Two runs compared: each changed village is a ring in its "before" colour around a dot in its "after" colour.
  const cmp = document.getElementById("cov-compare");
  const note = document.getElementById("cov-compare-note");
  cmp.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = new FormData(cmp);
    const table = document.getElementById("cov-changes");
    table.replaceChildren();
    changed.clearLayers();
    if (data.get("a") === data.get("b")) { note.textContent = S.same_run; return; }
    fetch(`${cmp.dataset.url}?${new URLSearchParams(data)}`).then((r) => r.json()).then((d) => {
      if (d.error) { note.textContent = fill(S.failed, { message: d.error.message }); return; }
      const changes = d.changes || [];
      note.textContent = changes.length ? "" : S.no_change;
      if (changes.length) {
        const head = table.createTHead().insertRow();
        for (const h of S.compare_head) { const th = el("th", h); th.scope = "col"; head.append(th); }
      }
      const body = table.createTBody();
      for (const c of changes) {
        const tr = body.insertRow();
        tr.insertCell().textContent = `${c.village} (${c.commune})`;
        tr.insertCell().textContent = c.network;
        tr.insertCell().append(el("span", c.before_label, `s-${c.before}`));
        tr.insertCell().append(el("span", c.after_label, `s-${c.after}`));
        const text = `${c.village} (${c.commune}) · ${c.network}: ${c.before_label} → ${c.after_label}`;
        L.circleMarker([c.lat, c.lon], { radius: 13, weight: 4, color: colours[c.before] || "#777", fill: false, interactive: false })
          .addTo(changed);
        L.circleMarker([c.lat, c.lon], { radius: 6, stroke: false, fillColor: colours[c.after] || "#777", fillOpacity: 1 })
          .on("click", (ev) => tell(ev.latlng, text))
          .addTo(changed);
      }
      if (changes.length) map.fitBounds(L.latLngBounds(changes.map((c) => [c.lat, c.lon])).pad(0.3), { maxZoom: 14 });
    }).catch(() => { note.textContent = S.network_error; });
  });
})();
