/* The parcel desk: draw, edit vertices, split, merge, delete with a reason, attributes, history and
   revert, with the server's refusals drawn on the map and a conflict dialog when someone saved first.
   Leaflet-Geoman (free) draws and snaps on the page; the server holds every rule and snaps again. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("pd-config").textContent);
  var T = JSON.parse(document.getElementById("pd-strings").textContent);
  var $ = function (id) { return document.getElementById(id); };

  var map = L.map("pd-map", { maxZoom: 21, zoomSnap: 0.5 }).setView(cfg.center, 18);
  window.gpBasemaps(map, cfg.basemap);
  map.pm.setGlobalOptions({ snappable: true, snapDistance: 20, allowSelfIntersection: false });
  var STYLE = { color: "#6d4c41", weight: 1.5, fillColor: "#ffe0b2", fillOpacity: 0.45 };
  var SELECTED = { color: "#0d47a1", weight: 3, fillColor: "#90caf9", fillOpacity: 0.5 };
  var parcels = L.geoJSON(null, { style: function () { return STYLE; }, onEachFeature: bind }).addTo(map);
  var marks = L.layerGroup().addTo(map); // refusals, past versions, the other editor's version
  var byId = {};
  var state = { selected: null, tool: null, merge: [], pending: null, ask: null };
  var buttons = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-tool]"), function (b) { buttons[b.dataset.tool] = b; });

  /* ---------- talking to the server ---------- */
  function call(method, url, body, etag) {
    var headers = { "X-CSRFToken": cfg.csrf, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (etag) headers["If-Match"] = etag;
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: r.status, ok: r.ok, data: data, etag: r.headers.get("ETag") };
      });
    });
  }
  function featureUrl(id, reason) {
    return cfg.api.features + id + "/" + (reason ? "?reason=" + encodeURIComponent(reason) : "");
  }
  function etagOf(feature) { return '"' + feature.properties.version + '"'; }
  function label(p) { return p.map_sheet + "/" + p.parcel_number; }
  function fmt(text, value) { return text.replace("%s", value); }

  /* ---------- messages, refusals drawn on the map ---------- */
  function status(text) { $("pd-status").textContent = text || ""; }
  function clearError() { $("pd-error").hidden = true; $("pd-error").textContent = ""; marks.clearLayers(); }
  function refused(result) {
    var error = (result.data && result.data.error) || {};
    var box = $("pd-error");
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = T.refused + ": ";
    box.appendChild(head);
    box.appendChild(document.createTextNode(error.message || T.error));
    marks.clearLayers();
    if (error.overlaps && error.overlaps.length) {
      error.overlaps.forEach(function (o) {
        L.geoJSON(o.geometry, { style: { color: "#b71c1c", weight: 3, fillColor: "#e53935", fillOpacity: 0.7 } })
          .bindTooltip(o.label + ": " + o.area_m2 + " m²", { permanent: true, className: "pd-overlap-tip" })
          .addTo(marks);
      });
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(T.overlapShown));
    } else if (error.location) {
      L.circleMarker([error.location[1], error.location[0]], { radius: 10, color: "#b71c1c", weight: 3 }).addTo(marks);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(T.placeShown));
    }
    if (error.preview) {
      L.geoJSON(error.preview, { style: { color: "#2e7d32", dashArray: "4 4", weight: 2, fillOpacity: 0.1 } }).addTo(marks);
    }
    box.hidden = false;
    box.dataset.code = error.code || "";
  }

  /* ---------- the parcels in view ---------- */
  function bind(feature, layer) {
    byId[feature.id] = { feature: feature, layer: layer };
    layer.on("click", function () { picked(feature.id); });
  }
  function load() {
    if (map.getZoom() < cfg.minZoom) { status(T.zoomIn); return Promise.resolve(); }
    if (state.tool === "edit" || state.tool === "draw") return Promise.resolve(); // keep what is being edited
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); });
    return call("GET", cfg.api.features + "?limit=2000&bbox=" + bbox.join(",")).then(function (r) {
      if (!r.ok) { refused(r); return; }
      parcels.clearLayers();
      byId = {};
      parcels.addData(r.data);
      if (state.selected && byId[state.selected]) highlight(state.selected);
      else if (state.selected) unselect();
      state.merge.forEach(function (id) { if (byId[id]) byId[id].layer.setStyle(SELECTED); });
      window.parcelDesk.loaded += 1;
    });
  }
  map.on("moveend", load);

  /* ---------- selection and the attribute form ---------- */
  function highlight(id) {
    parcels.setStyle(function () { return STYLE; });
    if (byId[id]) byId[id].layer.setStyle(SELECTED);
  }
  function enable(on) {
    ["edit", "split", "delete", "history"].forEach(function (k) { buttons[k].disabled = !on; });
  }
  function unselect() {
    state.selected = null;
    enable(false);
    $("pd-form").hidden = true;
    $("pd-history").hidden = true;
    highlight(null);
    status(T.select);
  }
  function picked(id) {
    if (state.tool === "merge") {
      var at = state.merge.indexOf(id);
      if (at >= 0) state.merge.splice(at, 1); else state.merge.push(id);
      parcels.setStyle(function (f) { return state.merge.indexOf(f.id) >= 0 ? SELECTED : STYLE; });
      $("pd-merge-list").textContent = state.merge.map(function (i) { return label(byId[i].feature.properties); }).join(", ");
      return;
    }
    if (state.tool) return;
    state.selected = id;
    highlight(id);
    enable(true);
    fillForm(byId[id].feature.properties, fmt(T.selected, label(byId[id].feature.properties)));
    state.pending = { kind: "attributes", id: id, etag: etagOf(byId[id].feature), original: byId[id].feature.properties };
    status(fmt(T.selected, label(byId[id].feature.properties)));
  }
  function fillForm(props, title) {
    var form = $("pd-form");
    ["map_sheet", "parcel_number", "land_use_code", "address", "holder_name", "legal_status", "declared_area_m2"]
      .forEach(function (name) { form.elements[name].value = props[name] == null ? "" : props[name]; });
    form.elements.reason.value = "";
    $("pd-form-title").textContent = title;
    var area = $("pd-area");
    area.textContent = props.area_m2 != null ? T.area + ": " + props.area_m2 + " m²" + (props.area_mismatch ? " · " + T.areaMismatch : "") : "";
    area.classList.toggle("pd-mismatch", !!props.area_mismatch);
    form.hidden = false;
  }
  function formProps() {
    var form = $("pd-form");
    var props = {};
    ["map_sheet", "parcel_number", "land_use_code", "address", "holder_name", "legal_status"].forEach(function (n) {
      props[n] = form.elements[n].value.trim();
    });
    var declared = form.elements.declared_area_m2.value;
    props.declared_area_m2 = declared === "" ? null : Number(declared);
    return props;
  }

  /* ---------- tools ---------- */
  function press(tool) {
    Object.keys(buttons).forEach(function (k) { buttons[k].setAttribute("aria-pressed", k === tool ? "true" : "false"); });
  }
  function stopTool() {
    map.pm.disableDraw();
    map.doubleClickZoom.enable();
    if (state.selected && byId[state.selected]) byId[state.selected].layer.pm.disable();
    state.tool = null;
    press(null);
    $("pd-merge").hidden = true;
    $("pd-ask").hidden = true;
  }
  function startTool(tool) {
    clearError();
    if (state.tool === tool) { stopTool(); load(); return; }
    stopTool();
    state.tool = tool;
    press(tool);
    // Two quick taps while drawing are two corners, not a zoom.
    if (tool === "draw" || tool === "split" || tool === "edit") map.doubleClickZoom.disable();
    if (tool === "draw") {
      unselect();
      state.tool = "draw";
      press("draw");
      status(T.drawHint);
      map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 20 });
    } else if (tool === "edit") {
      var layer = byId[state.selected].layer;
      layer.pm.enable({ snappable: true, snapDistance: 20, allowSelfIntersection: false });
      state.pending = {
        kind: "geometry", id: state.selected, etag: etagOf(byId[state.selected].feature), layer: layer,
        original: byId[state.selected].feature.properties,
      };
      status(T.editHint);
    } else if (tool === "split") {
      status(T.splitHint);
      map.pm.enableDraw("Line", { snappable: false });
    } else if (tool === "merge") {
      unselect();
      state.tool = "merge";
      press("merge");
      state.merge = [];
      $("pd-merge-list").textContent = "";
      $("pd-merge").hidden = false;
      status(T.mergeHint);
    } else if (tool === "delete") {
      var p = byId[state.selected].feature.properties;
      ask(T.delete + " " + label(p) + "?", function (reason) {
        var id = state.selected;
        return call("DELETE", featureUrl(id, reason), undefined, etagOf(byId[id].feature)).then(function (r) {
          if (r.status === 204) { status(fmt(T.deleted, label(p))); unselect(); return load(); }
          if (r.status === 412) return conflict(id, null);
          refused(r);
        });
      });
    } else if (tool === "history") {
      stopTool();
      showHistory(state.selected);
    }
  }
  Object.keys(buttons).forEach(function (k) { buttons[k].addEventListener("click", function () { startTool(k); }); });

  function ask(text, then) {
    var box = $("pd-ask");
    $("pd-ask-text").textContent = text;
    box.querySelector("input").value = "";
    box.hidden = false;
    state.ask = then;
    box.querySelector("input").focus();
  }
  $("pd-ask-ok").addEventListener("click", function () {
    var reason = $("pd-ask").querySelector("input").value.trim();
    if (!reason) { status(T.reasonNeeded); return; }
    var then = state.ask;
    stopTool();
    then(reason);
  });
  $("pd-ask-cancel").addEventListener("click", function () { stopTool(); load(); });

  map.on("pm:create", function (e) {
    if (state.tool === "draw" && e.shape === "Polygon") {
      map.pm.disableDraw();
      state.pending = { kind: "create", layer: e.layer };
      e.layer.setStyle(SELECTED);
      var last = state.lastProps || {};
      fillForm({ map_sheet: last.map_sheet || "", parcel_number: "", land_use_code: last.land_use_code || "ODT" }, T.draw);
      $("pd-form").elements.parcel_number.focus();
    } else if (state.tool === "split" && e.shape === "Line") {
      var line = e.layer.toGeoJSON().geometry;
      var id = state.selected;
      var etag = etagOf(byId[id].feature);
      ask(T.split + " " + label(byId[id].feature.properties) + "?", function (reason) {
        map.removeLayer(e.layer);
        return call("POST", cfg.api.parcel + id + "/split/", { line: line, reason: reason }, etag).then(function (r) {
          if (r.status === 201) {
            status(fmt(T.splitDone, r.data.children.map(function (c) { return c.label; }).join(", ")));
            unselect();
            return load();
          }
          if (r.status === 412) return conflict(id, null);
          refused(r);
        });
      });
    }
  });

  $("pd-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var form = $("pd-form");
    var reason = form.elements.reason.value.trim();
    var props = formProps();
    var pending = state.pending;
    if (!pending) return;
    if (pending.kind === "create") {
      var body = { type: "Feature", geometry: pending.layer.toGeoJSON().geometry, properties: props };
      call("POST", cfg.api.features + (reason ? "?reason=" + encodeURIComponent(reason) : ""), body).then(function (r) {
        if (r.status === 201) {
          map.removeLayer(pending.layer);
          state.lastProps = props;
          stopTool();
          status(fmt(T.saved, label(r.data.properties)));
          state.selected = r.data.id;
          return load().then(function () { if (byId[r.data.id]) picked(r.data.id); });
        }
        refused(r);
      });
      return;
    }
    // Only what this editor changed is sent, so a re-apply after a conflict keeps the other editor's changes.
    var changed = {};
    Object.keys(props).forEach(function (name) {
      var was = pending.original[name] == null ? "" : String(pending.original[name]);
      var now = props[name] == null ? "" : String(props[name]);
      if (was !== now) changed[name] = props[name];
    });
    var patch = { type: "Feature", properties: changed };
    if (pending.kind === "geometry") patch.geometry = pending.layer.toGeoJSON().geometry;
    save(pending.id, patch, pending.etag, reason, pending.original);
  });
  $("pd-cancel").addEventListener("click", function () {
    if (state.pending && state.pending.kind === "create") map.removeLayer(state.pending.layer);
    stopTool();
    unselect();
    load();
  });

  function save(id, patch, etag, reason, original) {
    return call("PATCH", featureUrl(id, reason), patch, etag).then(function (r) {
      if (r.ok) {
        stopTool();
        status(fmt(T.saved, label(r.data.properties)));
        return load().then(function () { if (byId[id]) picked(id); });
      }
      if (r.status === 412 || r.status === 409) return conflict(id, { patch: patch, reason: reason, original: original });
      refused(r);
    });
  }

  /* ---------- two editors: show both versions, reload or re-apply ---------- */
  function conflict(id, mine) {
    return call("GET", featureUrl(id)).then(function (r) {
      var dialog = $("pd-conflict");
      var rows = $("pd-compare");
      rows.textContent = "";
      var theirs = r.ok ? r.data.properties : {};
      var started = (mine && mine.original) || (byId[id] ? byId[id].feature.properties : {});
      var yours = Object.assign({}, started, mine ? mine.patch.properties : {});
      ["map_sheet", "parcel_number", "land_use_code", "address", "holder_name", "legal_status", "declared_area_m2", "area_m2", "version"]
        .forEach(function (name) {
          var a = words(name, yours[name]);
          var b = words(name, theirs[name]);
          if (name === "area_m2" && mine && mine.patch.geometry) a = T.fields.geometry + " *";
          var tr = document.createElement("tr");
          if (a !== b) tr.className = "pd-differs";
          [T.fields[name] || T.version, a, b].forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = text;
            tr.appendChild(td);
          });
          rows.appendChild(tr);
        });
      marks.clearLayers();
      if (r.ok) L.geoJSON(r.data, { style: { color: "#1565c0", weight: 3, fillOpacity: 0.15 } }).addTo(marks);
      if (mine && mine.patch.geometry) {
        L.geoJSON(mine.patch.geometry, { style: { color: "#b71c1c", weight: 2, dashArray: "6 4", fillOpacity: 0 } }).addTo(marks);
      }
      $("pd-reapply").hidden = !mine;
      $("pd-reapply").onclick = function () {
        dialog.close();
        save(id, mine.patch, r.etag, mine.reason);
      };
      $("pd-reload").onclick = function () {
        dialog.close();
        marks.clearLayers();
        stopTool();
        load().then(function () { if (byId[id]) picked(id); else unselect(); });
      };
      dialog.showModal();
    });
  }

  /* ---------- merge ---------- */
  $("pd-merge-do").addEventListener("click", function () {
    var reason = $("pd-merge").querySelector("input").value.trim();
    if (!reason) { status(T.reasonNeeded); return; }
    var items = state.merge.map(function (id) { return { id: id, etag: etagOf(byId[id].feature) }; });
    call("POST", cfg.api.merge, { parcels: items, reason: reason }).then(function (r) {
      if (r.status === 201) {
        state.merge = [];
        stopTool();
        status(fmt(T.mergeDone, r.data.label));
        return load().then(function () { if (byId[r.data.id]) picked(r.data.id); });
      }
      refused(r);
    });
  });
  $("pd-merge-cancel").addEventListener("click", function () { state.merge = []; stopTool(); load(); });

  /* ---------- history: every version, one drawn on the map, revert ---------- */
  function showHistory(id) {
    return call("GET", cfg.api.parcel + id + "/history/").then(function (r) {
      if (!r.ok) { refused(r); return; }
      var list = $("pd-versions");
      list.textContent = "";
      r.data.versions.slice().reverse().forEach(function (v, index) {
        var li = document.createElement("li");
        li.dataset.testid = "version";
        var when = new Date(v.at).toLocaleString(document.documentElement.lang || "vi", { timeZone: "Asia/Ho_Chi_Minh" });
        var changed = v.changed.map(function (n) { return T.fields[n] || n; }).join(", ");
        li.textContent = T.version + " " + v.version + " · " + (T.kinds[v.kind] || v.kind) + " · " + when +
          (v.user ? " · " + T.by + " " + v.user : "") + " · " + (v.reason || T.noReason) +
          (changed ? " · " + T.changed + ": " + changed : "");
        var show = document.createElement("button");
        show.type = "button";
        show.textContent = T.showVersion;
        show.addEventListener("click", function () {
          marks.clearLayers();
          if (v.geometry) {
            var drawn = L.geoJSON(v.geometry, { style: { color: "#ef6c00", weight: 3, dashArray: "6 4", fillColor: "#ffb74d", fillOpacity: 0.35 } });
            drawn.addTo(marks);
            map.fitBounds(drawn.getBounds(), { maxZoom: 20, padding: [30, 30] });
          }
        });
        li.appendChild(document.createElement("br"));
        li.appendChild(show);
        if (index > 0 && v.kind !== "delete") {
          var back = document.createElement("button");
          back.type = "button";
          back.textContent = T.revert;
          back.dataset.testid = "revert";
          back.addEventListener("click", function () {
            var etag = etagOf(byId[id].feature);
            var reason = T.revert + " (" + T.version + " " + v.version + ")";
            call("POST", cfg.api.parcel + id + "/revert/", { event: v.id, reason: reason }, etag).then(function (res) {
              if (res.ok) {
                marks.clearLayers();
                status(fmt(T.reverted, res.data.version));
                return load().then(function () { picked(id); showHistory(id); });
              }
              if (res.status === 412) return conflict(id, null);
              refused(res);
            });
          });
          li.appendChild(back);
        }
        list.appendChild(li);
      });
      $("pd-history").hidden = false;
    });
  }

  /* ---------- the land-use list (words, not codes) ---------- */
  var names = { land_use_code: {}, legal_status: {} };
  function words(field, value) {
    if (value == null) return "";
    var known = names[field] && names[field][value];
    return known ? known : String(value);
  }
  call("GET", cfg.api.landUses).then(function (r) {
    if (!r.ok) return;
    r.data.land_uses.forEach(function (u) { names.land_use_code[u.code] = u.name + " (" + u.code + ")"; });
    r.data.legal_statuses.forEach(function (s) { names.legal_status[s.code] = s.name; });
    var select = $("pd-form").elements.land_use_code;
    r.data.land_uses.forEach(function (u) {
      var o = document.createElement("option");
      o.value = u.code;
      o.textContent = u.name + " (" + u.code + ")";
      select.appendChild(o);
    });
    var legal = $("pd-form").elements.legal_status;
    r.data.legal_statuses.forEach(function (s) {
      var o = document.createElement("option");
      o.value = s.code;
      o.textContent = s.name;
      legal.appendChild(o);
    });
  });

  /* ---------- the cadastral office's file: preview new / changed / gone, then apply all of it ---------- */
  var COLOURS = { new: "#2e7d32", changed: "#ef6c00", gone: "#c62828" };
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return values[key] == null ? all : values[key]; });
  }
  function upload(url) {
    var data = new FormData($("pd-cadastre-form"));
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": cfg.csrf } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, status: r.status, data: body }; }); });
  }
  $("pd-cadastre-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    $("pd-cadastre-apply").disabled = true;
    upload(cfg.api.cadastrePreview).then(function (r) {
      if (!r.ok) { refused(r); return; }
      var d = r.data;
      var text = fill(T.cadastreCounts, d) + ". " + T.cadastreLegend;
      if (d.problems.length) {
        text += ". " + fill(T.cadastreProblems, { rows: d.problems.map(function (p) { return p.row + ": " + p.reason; }).join("; ") });
      }
      $("pd-cadastre-result").textContent = text;
      marks.clearLayers();
      var drawn = L.geoJSON(d.features, {
        style: function (f) { var c = COLOURS[f.properties.status]; return { color: c, weight: 3, fillColor: c, fillOpacity: 0.3 }; },
      }).addTo(marks);
      if (d.features.features.length) map.fitBounds(drawn.getBounds(), { maxZoom: 19, padding: [20, 20] });
      $("pd-cadastre-apply").disabled = !!d.problems.length || !(d.new + d.changed + d.gone);
    });
  });
  $("pd-cadastre-apply").addEventListener("click", function () {
    $("pd-cadastre-apply").disabled = true;
    upload(cfg.api.cadastreApply).then(function (r) {
      if (!r.ok) {
        refused(r);
        var problems = (r.data.error && r.data.error.problems) || [];
        if (problems.length) {
          $("pd-error").appendChild(document.createTextNode(" " + fill(T.cadastreProblems, {
            rows: problems.map(function (p) { return p.row + ": " + p.reason; }).join("; "),
          })));
        }
        return;
      }
      marks.clearLayers();
      var name = $("pd-cadastre-form").elements.file.files[0].name;
      $("pd-cadastre-result").textContent = fill(T.cadastreApplied, Object.assign({ file: name }, r.data));
      load();
    });
  });

  window.geoplatform = window.geoplatform || { map: map };
  window.parcelDesk = { map: map, loaded: 0, byId: function () { return byId; }, state: state };
  status(T.select);
  // Opened from a map popup (?parcel=<id>): go to that parcel and choose it.
  var asked = /^\d+$/.test(new URLSearchParams(window.location.search).get("parcel") || "")
    ? new URLSearchParams(window.location.search).get("parcel") : null;
  if (asked) {
    call("GET", featureUrl(asked)).then(function (r) {
      if (!r.ok) { refused(r); return load(); }
      map.fitBounds(L.geoJSON(r.data).getBounds(), { maxZoom: 19, animate: false });
      return load().then(function () { if (byId[asked]) picked(Number(asked)); });
    });
  } else {
    load();
  }
})();
