/* The operations map and the portal embed, built from the layer catalogue.
 * Data never goes through innerHTML: every text from the server is put in with textContent. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("gp-config").textContent);
  var T = JSON.parse(document.getElementById("gp-strings").textContent);
  var EMBED = cfg.mode === "embed";
  var LANG = cfg.language === "en" ? "en" : "vi";
  var TZ = "Asia/Ho_Chi_Minh";
  var PAGE = 1000;
  var MAX_PAGES = 10;
  var CLUSTER_AT = 150; // point layers with more features than this are clustered
  var CLOSED = ["resolved", "rejected", "closed"];
  // Embeds fetch as an anonymous visitor: even a signed-in browser only gets public fields.
  var CREDENTIALS = EMBED ? "omit" : "same-origin";
  var COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;

  /* ---------- small DOM helpers (text only) ---------- */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === "text") node.textContent = props[k];
        else if (k === "cls") node.className = props[k];
        else node.setAttribute(k, props[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
    return node;
  }
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function safeColor(c, fallback) {
    return typeof c === "string" && COLOR.test(c) ? c : fallback;
  }
  var dateFmt = new Intl.DateTimeFormat(LANG === "en" ? "en-GB" : "vi-VN", {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
  var ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
  function show(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? T.yes : T.no;
    if (typeof value === "string" && ISO.test(value)) {
      var d = new Date(value);
      if (!isNaN(d)) return dateFmt.format(d);
    }
    if (typeof value === "object") {
      if (value.name) return String(value.name);
      return JSON.stringify(value);
    }
    return String(value);
  }
  function human(field) {
    return (T.fields && T.fields[field]) || field.replace(/_/g, " ");
  }

  /* ---------- the catalogue ---------- */
  function linksOf(raw) {
    var out = {};
    var links = raw.links || {};
    if (Array.isArray(links)) {
      links.forEach(function (l) { if (l && l.rel && l.href) out[l.rel] = l.href; });
    } else {
      Object.keys(links).forEach(function (k) {
        var v = links[k];
        out[k] = typeof v === "string" ? v : v && v.href;
      });
    }
    return out;
  }
  function pick(obj, names) {
    for (var i = 0; i < names.length; i++) if (obj[names[i]] !== undefined && obj[names[i]] !== null) return obj[names[i]];
    return undefined;
  }
  function normalise(raw) {
    var slug = raw.slug || raw.id;
    var links = linksOf(raw);
    var title = raw.title;
    var titleVi = raw.title_vi || (title && title.vi) || (typeof title === "string" ? title : slug);
    var titleEn = raw.title_en || (title && title.en) || titleVi;
    var fields = pick(raw, ["fields", "public_fields", "properties"]);
    if (fields && !Array.isArray(fields)) fields = Object.keys(fields);
    if (Array.isArray(fields)) fields = fields.map(function (f) { return typeof f === "string" ? f : f.name; });
    var tiles = links.tiles || links.vector_tiles || links["vector-tiles"] || "/tiles/" + slug + "/{z}/{x}/{y}.pbf";
    tiles = tiles.replace(/%7B/gi, "{").replace(/%7D/gi, "}");
    return {
      slug: slug,
      title: LANG === "en" ? titleEn : titleVi,
      theme: raw.theme || "other",
      themeTitle: (T.themes && T.themes[raw.theme]) || raw.theme_title || raw.theme || "",
      geometry: raw.geometry_type || raw.geometry || "Point",
      fields: fields || null,
      timeField: raw.time_field || null,
      filterFields: raw.filter_fields || raw.filters || [],
      labelField: raw.label_field || null,
      style: raw.style || {},
      preferTiles: !!raw.prefer_tiles,
      minZoom: raw.min_zoom || 0,
      featuresUrl: links.features || links.items || "/api/layers/" + slug + "/features/",
      tilesUrl: tiles,
      tileJsonUrl: links.tilejson || "/tiles/" + slug + ".json",
    };
  }
  function loadCatalogue() {
    if (EMBED) return Promise.resolve(cfg.embedLayers.map(normalise));
    return fetch(cfg.catalogueUrl, { credentials: CREDENTIALS, headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("catalogue " + r.status);
        return r.json();
      })
      .then(function (body) {
        var list = Array.isArray(body) ? body : body.layers || body.results || body.collections || [];
        return list.map(normalise).filter(function (m) { return !!m.slug; });
      });
  }

  /* ---------- the map ---------- */
  // Whole zoom levels only: the offline base map's names are drawn into its tiles, and scaled tiles blur them.
  var map = L.map("map", { minZoom: cfg.minZoom, maxZoom: cfg.maxZoom, zoomControl: true, tap: true });
  map.attributionControl.setPrefix(false);
  var db = cfg.districtBbox;
  map.setMaxZoom(cfg.maxZoom); // needed before fitBounds when no tile layer has set it yet
  (function initialView() {
    var v = cfg.view || {};
    if (v.bbox) map.fitBounds([[v.bbox[1], v.bbox[0]], [v.bbox[3], v.bbox[2]]]);
    else if (v.center) map.setView(v.center, v.zoom !== null && v.zoom !== undefined ? v.zoom : cfg.zoom);
    else if (db && db.length === 4) map.fitBounds([[db[1], db[0]], [db[3], db[2]]]);
    else map.setView(cfg.center, cfg.zoom);
  })();
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  // Points above lines above areas, whatever order the layers finish loading in.
  map.createPane("gp-lines").style.zIndex = 410;
  map.createPane("gp-points").style.zIndex = 420;
  function paneOf(meta) { return isPoint(meta) ? "gp-points" : /Line/.test(meta.geometry) ? "gp-lines" : "overlayPane"; }

  var Coords = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      var box = el("div", { cls: "gp-coords leaflet-control", "data-testid": "coords", text: "—" });
      function put(ll) { box.textContent = ll.lat.toFixed(5) + ", " + ll.lng.toFixed(5); }
      map.on("mousemove", function (e) { put(e.latlng); });
      map.on("moveend", function () { if (!map._gpMouse) put(map.getCenter()); });
      map.on("mouseover", function () { map._gpMouse = true; });
      put(map.getCenter());
      return box;
    },
  });
  new Coords().addTo(map);

  /* ---------- base maps: online with an offline fallback (web/basemap.js) ---------- */
  var basemaps = window.gpBasemaps(map, cfg.basemap, function () { notice(T.basemapFallback); });
  var bases = {};
  bases[T.basemapOnline] = basemaps.online;
  bases[T.basemapOffline] = basemaps.offline;
  L.control.layers(bases, null, { position: "topright", collapsed: true }).addTo(map);

  function notice(text) {
    var box = document.getElementById("gp-notice");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    box.onclick = function () { box.hidden = true; };
    setTimeout(function () { box.hidden = true; }, 6000);
  }

  /* ---------- state of the layers ---------- */
  var metas = [];
  var state = {}; // slug -> {meta, on, layer, features, filters, values}
  var timeChoice = (cfg.view && cfg.view.time) || "";
  var urlParams = new URLSearchParams(window.location.search);

  function datetimeParam() {
    var now = new Date();
    if (timeChoice === "24h") return new Date(now - 864e5).toISOString() + "/" + now.toISOString();
    if (timeChoice === "7d") return new Date(now - 7 * 864e5).toISOString() + "/" + now.toISOString();
    if (timeChoice.indexOf("/") > 0) return timeChoice;
    return "";
  }

  function nextLink(fc) {
    if (fc.links && Array.isArray(fc.links)) {
      for (var i = 0; i < fc.links.length; i++) if (fc.links[i].rel === "next") return fc.links[i].href;
    }
    return fc.next || null;
  }

  function fetchFeatures(meta, filters, extra) {
    var params = new URLSearchParams();
    params.set("limit", String((extra && extra.limit) || PAGE));
    var dt = meta.timeField ? (extra && extra.datetime) || datetimeParam() : "";
    if (dt) params.set("datetime", dt);
    var multi = {};
    Object.keys(filters || {}).forEach(function (k) {
      var v = filters[k];
      if (!v) return;
      if (v.indexOf(",") >= 0) multi[k] = v.split(",");
      else params.set(k, v);
    });
    var url = meta.featuresUrl + (meta.featuresUrl.indexOf("?") >= 0 ? "&" : "?") + params.toString();
    var all = [];
    var pages = 0;
    function step(u) {
      return fetch(u, { credentials: CREDENTIALS, headers: { Accept: "application/geo+json, application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(meta.slug + " " + r.status);
          return r.json();
        })
        .then(function (fc) {
          all = all.concat(fc.features || []);
          pages++;
          var next = nextLink(fc);
          if (next && pages < MAX_PAGES && !(extra && extra.limit)) return step(next);
          return all;
        });
    }
    return step(url).then(function (features) {
      // Several values for one field ("status=received,in_progress") are matched here.
      return features.filter(function (f) {
        return Object.keys(multi).every(function (k) {
          var p = f.properties ? f.properties[k] : undefined;
          return multi[k].indexOf(show(p)) >= 0 || multi[k].indexOf(String(p)) >= 0;
        });
      });
    });
  }

  function visibleFields(meta, props) {
    var names = meta.fields || Object.keys(props || {});
    return names.filter(function (n) { return props && n in props; });
  }

  // Foreign keys arrive as ids ("commune": 3): show the name from the layer of that thing when it is loaded.
  function display(field, value) {
    if (typeof value === "number" && Number.isInteger(value)) {
      var ref = state[field + "s"] || state[field];
      var feats = ref && ref.features;
      if (feats && ref.meta.labelField) {
        for (var i = 0; i < feats.length; i++) {
          if (feats[i].id === value || String(feats[i].id) === String(value)) return show(feats[i].properties[ref.meta.labelField]);
        }
      }
    }
    return show(value);
  }

  function popupContent(meta, props) {
    props = props || {};
    var box = el("div", { cls: "gp-popup", "data-layer": meta.slug });
    var label = meta.labelField && props[meta.labelField];
    box.appendChild(el("div", { cls: "gp-popup-layer", text: meta.title }));
    if (label !== undefined && label !== null && label !== "") {
      box.appendChild(el("div", { cls: "gp-popup-title", text: show(label) }));
    }
    var table = el("table");
    visibleFields(meta, props).forEach(function (name) {
      var value = display(name, props[name]);
      if (name === "status" && meta.theme === "feedback" && T.complaintStatus[props[name]]) value = T.complaintStatus[props[name]];
      if (name === "alert_state" && T.alertState[props[name]]) value = T.alertState[props[name]];
      table.appendChild(el("tr", null, el("th", { text: human(name) }), el("td", { text: value, "data-field": name, "data-value": String(props[name]) })));
    });
    box.appendChild(table);
    return box;
  }

  function pathStyle(style, cls) {
    return {
      color: safeColor(style.color, "#333"),
      weight: style.weight !== undefined ? style.weight : 1.5,
      fillColor: safeColor(style.fillColor, safeColor(style.color, "#888")),
      fillOpacity: style.fillOpacity !== undefined ? style.fillOpacity : 0.4,
      dashArray: typeof style.dashArray === "string" ? style.dashArray : null,
      className: cls,
    };
  }

  function isPoint(meta) { return /Point/.test(meta.geometry); }

  // Time values arrive as ISO 8601 (GeoJSON), epoch seconds (vector tiles) or PostgreSQL text.
  function parseTime(v) {
    if (typeof v === "number") return v > 1e12 ? v : v * 1000;
    if (typeof v !== "string") return null;
    var d = Date.parse(v.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
    return isNaN(d) ? null : d;
  }
  // Layers styled by age (style.byAge: {hours: [6, 24, 72], colors: [4 colours]}): new hotspots stand out.
  function ageColor(meta, props) {
    var by = meta.style && meta.style.byAge;
    if (!by || !Array.isArray(by.hours) || !Array.isArray(by.colors) || !meta.timeField || !props) return null;
    var t = parseTime(props[meta.timeField]);
    if (t === null) return null;
    var hours = (Date.now() - t) / 36e5;
    for (var i = 0; i < by.hours.length; i++) if (hours < by.hours[i]) return safeColor(by.colors[i], null);
    return safeColor(by.colors[by.hours.length], null);
  }
  // Colour by a status (style.byStatus: {status: colour}), e.g. fire events new / active / out.
  function statusColor(meta, props) {
    var by = meta.style && meta.style.byStatus;
    if (!by || !props || typeof props.status !== "string" || !Object.prototype.hasOwnProperty.call(by, props.status)) return null;
    return safeColor(by[props.status], null);
  }
  // Point size by confidence (style.byConfidence: {low: 3, nominal: 5, high: 7}): sure detections stand out.
  function confidenceRadius(meta, props) {
    var by = meta.style && meta.style.byConfidence;
    var r = by && props && typeof props.confidence === "string" ? Number(by[props.confidence]) : NaN;
    return isFinite(r) && r > 0 && r < 30 ? r : (meta.style.radius || 5);
  }
  function featureStyle(meta, props, cls) {
    var s = pathStyle(meta.style, cls);
    var c = ageColor(meta, props) || statusColor(meta, props);
    if (c) { s.color = c; s.fillColor = c; }
    return s;
  }

  function geojsonLayer(meta, features) {
    var cls = "gp-feature gp-layer-" + meta.slug;
    var geo = L.geoJSON({ type: "FeatureCollection", features: features }, {
      pointToLayer: function (f, ll) {
        var s = featureStyle(meta, f.properties, cls);
        s.radius = confidenceRadius(meta, f.properties);
        s.pane = "gp-points";
        return L.circleMarker(ll, s);
      },
      style: function (f) { return featureStyle(meta, f && f.properties, cls); },
      pane: paneOf(meta),
      onEachFeature: function (f, lyr) {
        lyr.feature = f;
        lyr.bindPopup(function () { return popupContent(meta, f.properties); });
      },
    });
    if (isPoint(meta) && features.length > CLUSTER_AT && L.markerClusterGroup) {
      var group = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
      group.addLayers(geo.getLayers());
      return group;
    }
    return geo;
  }

  var vectorGridReady = null;
  function loadVectorGrid() {
    if (!vectorGridReady) {
      vectorGridReady = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = cfg.vectorGridUrl;
        s.onload = function () {
          // Leaflet 1.9 dropped DomEvent.fakeStop, which VectorGrid still calls on click.
          if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = function (e) { if (e) e._stopped = true; };
          // Keep each drawn feature's tile id: tiles carry only what the map draws, the popup fetches the rest by it.
          var create = L.VectorGrid.prototype._createLayer;
          L.VectorGrid.prototype._createLayer = function (feat, pxPerExtent) {
            var drawn = create.call(this, feat, pxPerExtent);
            drawn.featureId = feat.id;
            return drawn;
          };
          resolve();
        };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return vectorGridReady;
  }

  function tileLayer(meta, filters) {
    return loadVectorGrid()
      .then(function () {
        return fetch(meta.tileJsonUrl, { credentials: CREDENTIALS }).then(function (r) { return r.ok ? r.json() : {}; }, function () { return {}; });
      })
      .then(function (tj) {
        var ids = (tj.vector_layers || []).map(function (v) { return v.id; });
        if (ids.indexOf(meta.slug) < 0) ids.push(meta.slug);
        var s = pathStyle(meta.style);
        var vs = { fill: !/Line/.test(meta.geometry), fillColor: s.fillColor, fillOpacity: s.fillOpacity, color: s.color, weight: s.weight, radius: meta.style.radius || 4 };
        var styles = {};
        ids.forEach(function (id) {
          styles[id] = function (props) {
            var c = ageColor(meta, props) || statusColor(meta, props);
            var extra = { radius: confidenceRadius(meta, props) };
            if (c) { extra.color = c; extra.fillColor = c; }
            return L.extend({}, vs, extra);
          };
        });
        var params = new URLSearchParams();
        var dt = meta.timeField ? datetimeParam() : "";
        if (dt) params.set("datetime", dt);
        Object.keys(filters).forEach(function (k) { if (filters[k]) params.set(k, filters[k]); });
        var q = params.toString();
        var vg = L.vectorGrid.protobuf(meta.tilesUrl + (q ? "?" + q : ""), {
          vectorTileLayerStyles: styles,
          interactive: true,
          maxNativeZoom: tj.maxzoom || 16,
          maxZoom: cfg.maxZoom,
          minZoom: meta.minZoom,
          fetchOptions: { credentials: CREDENTIALS },
          rendererFactory: L.canvas.tile,
        });
        vg.on("click", function (e) {
          var props = L.extend({}, e.layer && e.layer.properties);
          // Tiles carry times as epoch seconds: shown as times until the feature arrives.
          if (meta.timeField && typeof props[meta.timeField] === "number") props[meta.timeField] = new Date(props[meta.timeField] * 1000).toISOString();
          var popup = L.popup().setLatLng(e.latlng).setContent(popupContent(meta, props)).openOn(map);
          var id = e.layer && e.layer.featureId;
          if (id === undefined || id === null) return;
          // The whole feature from the API, with this user's permissions (the tile holds the label only).
          var base = meta.featuresUrl.split("?")[0].replace(/\/?$/, "/");
          fetch(base + encodeURIComponent(String(id)) + "/", { credentials: CREDENTIALS, headers: { Accept: "application/geo+json, application/json" } })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (f) {
              if (f && f.properties && map.hasLayer(popup)) {
                var box = popupContent(meta, f.properties);
                box.setAttribute("data-feature", String(id));
                popup.setContent(box);
              }
            }, function () {});
        });
        return vg;
      });
  }

  function refresh(slug) {
    var st = state[slug];
    if (st.layer) { map.removeLayer(st.layer); st.layer = null; }
    if (!st.on) { updateLegend(); return Promise.resolve(); }
    st.status && (st.status.textContent = T.loading);
    var job = st.meta.preferTiles && !EMBED
      ? tileLayer(st.meta, st.filters)
      : fetchFeatures(st.meta, st.filters).then(function (features) {
          st.features = features;
          collectValues(st, features);
          return geojsonLayer(st.meta, features);
        });
    return job.then(function (layer) {
      if (!st.on) return;
      if (st.layer) map.removeLayer(st.layer);
      st.layer = layer.addTo(map);
      st.status && (st.status.textContent = st.features && !st.meta.preferTiles ? String(st.features.length) : "");
      updateLegend();
      document.body.setAttribute("data-loaded-" + slug, "1");
    }, function (err) {
      st.status && (st.status.textContent = T.loadFailed);
      if (window.console) console.warn(err);
    });
  }

  function collectValues(st, features) {
    st.meta.filterFields.forEach(function (f) {
      var seen = st.values[f] || {};
      features.forEach(function (feat) {
        var v = feat.properties && feat.properties[f];
        if (v !== null && v !== undefined && v !== "" && typeof v !== "object") seen[String(v)] = true;
      });
      st.values[f] = seen;
      var select = st.filterInputs && st.filterInputs[f];
      if (select) fillOptions(select, Object.keys(seen).sort().slice(0, 100), st.filters[f]);
    });
  }

  function fillOptions(select, values, current) {
    while (select.firstChild) select.removeChild(select.firstChild);
    select.appendChild(el("option", { value: "", text: T.all }));
    if (current && values.indexOf(current) < 0) values = [current].concat(values);
    values.forEach(function (v) {
      var o = el("option", { value: v, text: v });
      if (v === current) o.selected = true;
      select.appendChild(o);
    });
  }

  /* ---------- legend ---------- */
  function swatch(meta) {
    var s = pathStyle(meta.style);
    var box = el("span", { cls: "gp-swatch gp-swatch-" + (isPoint(meta) ? "point" : /Line/.test(meta.geometry) ? "line" : "area"), "aria-hidden": "true" });
    box.style.borderColor = s.color;
    box.style.backgroundColor = /Line/.test(meta.geometry) ? s.color : s.fillColor;
    if (!/Line/.test(meta.geometry)) box.style.opacity = String(Math.max(0.35, Math.min(1, s.fillOpacity + 0.3)));
    return box;
  }
  var Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      this._box = el("div", { cls: "gp-legend leaflet-control", "data-testid": "legend" });
      L.DomEvent.disableClickPropagation(this._box);
      return this._box;
    },
  });
  var legend = new Legend().addTo(map);
  function updateLegend() {
    var box = legend._box;
    while (box.firstChild) box.removeChild(box.firstChild);
    var any = false;
    metas.forEach(function (m) {
      if (!state[m.slug] || !state[m.slug].on) return;
      any = true;
      box.appendChild(el("div", { cls: "gp-legend-row", "data-layer": m.slug }, swatch(m), el("span", { text: m.title })));
      var by = m.style && m.style.byAge;
      if (by && Array.isArray(by.hours) && Array.isArray(by.colors)) {
        by.colors.slice(0, by.hours.length + 1).forEach(function (c, i) {
          var text = i === 0 ? "< " + by.hours[0] : i === by.hours.length ? "> " + by.hours[i - 1] : by.hours[i - 1] + "–" + by.hours[i];
          var sw = el("span", { cls: "gp-swatch gp-swatch-point", "aria-hidden": "true" });
          sw.style.backgroundColor = safeColor(c, "#888");
          sw.style.borderColor = safeColor(c, "#888");
          box.appendChild(el("div", { cls: "gp-legend-age", "data-layer": m.slug }, sw, el("span", { text: text + " " + T.hoursAgo })));
        });
      }
      var byStatus = m.style && m.style.byStatus;
      if (byStatus && typeof byStatus === "object") {
        Object.keys(byStatus).forEach(function (status) {
          var sw = el("span", { cls: "gp-swatch", "aria-hidden": "true" });
          sw.style.backgroundColor = safeColor(byStatus[status], "#888");
          sw.style.borderColor = safeColor(byStatus[status], "#888");
          var label = (T.fireStatus && T.fireStatus[status]) || status;
          box.appendChild(el("div", { cls: "gp-legend-age", "data-layer": m.slug }, sw, el("span", { text: label })));
        });
      }
    });
    box.hidden = !any;
  }

  /* ---------- the side panel (full map only) ---------- */
  function buildSwitcher() {
    var host = document.getElementById("gp-layers");
    if (!host) return;
    var themes = [];
    var byTheme = {};
    metas.forEach(function (m) {
      if (!byTheme[m.theme]) { byTheme[m.theme] = []; themes.push(m.theme); }
      byTheme[m.theme].push(m);
    });
    themes.forEach(function (theme) {
      var group = el("fieldset", { cls: "gp-theme", "data-theme": theme }, el("legend", { text: byTheme[theme][0].themeTitle || theme }));
      byTheme[theme].forEach(function (m) {
        var st = state[m.slug];
        var box = el("input", { type: "checkbox", id: "gp-toggle-" + m.slug, "data-layer": m.slug });
        box.checked = st.on;
        box.addEventListener("change", function () { st.on = box.checked; refresh(m.slug); });
        st.checkbox = box;
        st.status = el("span", { cls: "gp-count" });
        var label = el("label", { for: "gp-toggle-" + m.slug }, swatch(m), el("span", { text: m.title }));
        var row = el("div", { cls: "gp-layer-row" }, box, label, st.status);
        group.appendChild(row);
        if (m.filterFields.length) {
          var details = el("details", { cls: "gp-filters" }, el("summary", { text: T.filter }));
          st.filterInputs = {};
          m.filterFields.forEach(function (f) {
            var select = el("select", { name: f, "data-filter": m.slug + "." + f });
            fillOptions(select, [], st.filters[f]);
            select.addEventListener("change", function () {
              st.filters[f] = select.value;
              if (!st.on) { st.on = true; box.checked = true; }
              refresh(m.slug);
            });
            st.filterInputs[f] = select;
            details.appendChild(el("label", { cls: "gp-filter" }, el("span", { text: human(f) }), select));
          });
          if (Object.keys(st.filters).length) details.open = true;
          group.appendChild(details);
        }
      });
      host.appendChild(group);
    });
  }

  function buildTimeControl() {
    var select = document.getElementById("gp-time");
    if (!select) return;
    var custom = document.getElementById("gp-time-custom");
    var from = document.getElementById("gp-time-from");
    var to = document.getElementById("gp-time-to");
    var known = ["", "24h", "7d"];
    if (timeChoice && known.indexOf(timeChoice) < 0) {
      select.value = "range";
      custom.hidden = false;
      var parts = timeChoice.split("/");
      from.value = parts[0] !== ".." ? parts[0].slice(0, 16) : "";
      to.value = parts[1] !== ".." ? parts[1].slice(0, 16) : "";
    } else {
      select.value = timeChoice;
    }
    function apply() {
      metas.forEach(function (m) { if (m.timeField && state[m.slug].on) refresh(m.slug); });
    }
    select.addEventListener("change", function () {
      custom.hidden = select.value !== "range";
      if (select.value !== "range") { timeChoice = select.value; apply(); }
    });
    document.getElementById("gp-time-apply").addEventListener("click", function () {
      // The inputs are local time in Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
      var a = from.value ? from.value + ":00+07:00" : "..";
      var b = to.value ? to.value + ":00+07:00" : "..";
      if (a === ".." && b === "..") return;
      timeChoice = a + "/" + b;
      apply();
    });
  }

  /* ---------- search by village or commune name ---------- */
  var searchIndex = null;
  function buildSearchIndex() {
    if (searchIndex) return searchIndex;
    var sources = metas.filter(function (m) { return m.theme === "places" && m.labelField && !m.preferTiles && !/Line/.test(m.geometry); });
    searchIndex = Promise.all(sources.map(function (m) {
      var have = state[m.slug] && state[m.slug].features;
      return (have ? Promise.resolve(have) : fetchFeatures(m, {})).then(function (features) {
        return features.map(function (f) {
          var name = f.properties && f.properties[m.labelField];
          return { name: show(name), key: fold(show(name)), meta: m, feature: f };
        });
      }, function () { return []; });
    })).then(function (lists) { return [].concat.apply([], lists); });
    return searchIndex;
  }
  function setupSearch() {
    var input = document.getElementById("gp-search");
    var results = document.getElementById("gp-search-results");
    if (!input) return;
    var timer = null;
    input.addEventListener("focus", buildSearchIndex);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = fold(input.value.trim());
        while (results.firstChild) results.removeChild(results.firstChild);
        if (q.length < 2) { results.hidden = true; return; }
        buildSearchIndex().then(function (items) {
          var hits = items.filter(function (it) { return it.key.indexOf(q) >= 0; }).slice(0, 12);
          while (results.firstChild) results.removeChild(results.firstChild);
          hits.forEach(function (hit) {
            var b = el("button", { type: "button", cls: "gp-hit" }, el("strong", { text: hit.name }), el("span", { text: " · " + hit.meta.title }));
            b.addEventListener("click", function () { goTo(hit); results.hidden = true; });
            results.appendChild(el("li", null, b));
          });
          if (!hits.length) results.appendChild(el("li", { cls: "gp-nohit", text: T.noResults }));
          results.hidden = false;
        });
      }, 150);
    });
  }
  function goTo(hit, extra) {
    var shape = L.geoJSON(hit.feature);
    var b = shape.getBounds();
    if (/Point/.test(hit.meta.geometry)) map.setView(b.getCenter(), Math.max(map.getZoom(), 14));
    else map.fitBounds(b, { maxZoom: 15 });
    var content = popupContent(hit.meta, hit.feature.properties);
    if (extra) content.appendChild(extra);
    L.popup().setLatLng(b.getCenter()).setContent(content).openOn(map);
    closeSidebarOnPhone();
  }

  /* ---------- role panels ---------- */
  function layerOfTheme(theme, needTime) {
    for (var i = 0; i < metas.length; i++) {
      if (metas[i].theme === theme && (!needTime || metas[i].timeField)) return metas[i];
    }
    return null;
  }
  function listInto(ul, items, empty) {
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    if (!items.length) ul.appendChild(el("li", { cls: "gp-empty", text: empty }));
    items.forEach(function (it) { ul.appendChild(it); });
  }
  function featureItem(meta, f, title, detail) {
    var b = el("button", { type: "button", cls: "gp-item" }, el("strong", { text: title }), detail ? el("span", { text: detail }) : null);
    b.addEventListener("click", function () { goTo({ meta: meta, feature: f }); });
    return el("li", null, b);
  }
  function getJSON(url) {
    return fetch(url, { credentials: CREDENTIALS, headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + " " + r.status);
      return r.json();
    });
  }
  function pageLink(url, text) {
    return el("a", { href: url, cls: "gp-popup-link", text: text + " →" });
  }
  // An open fire alert of the fire app (/api/fire/alerts/): where, how big, which state.
  function alertPopup(a, page) {
    var box = el("div", { cls: "gp-popup", "data-alert": String(a.id) });
    box.appendChild(el("div", { cls: "gp-popup-layer", text: T.alertState[a.alert_state] || a.alert_state }));
    box.appendChild(el("div", { cls: "gp-popup-title", text: a.nearest_village ? T.nearVillage + " " + a.nearest_village : show(a.commune) }));
    var table = el("table");
    ["commune", "nearest_village", "village_distance_m", "first_seen", "last_seen", "hotspot_count", "max_frp", "max_confidence", "in_forest"].forEach(function (k) {
      if (a[k] === undefined) return;
      table.appendChild(el("tr", null, el("th", { text: human(k) }), el("td", { text: show(a[k]), "data-field": k })));
    });
    box.appendChild(table);
    if (page) box.appendChild(pageLink(page, T.openDetail));
    return box;
  }
  function firePanel(p, ul) {
    var page = p.links && p.links[0] && p.links[0].url;
    return getJSON(p.feed).then(function (body) {
      var alerts = body.alerts || [];
      listInto(ul, alerts.map(function (a) {
        var where = a.nearest_village ? T.nearVillage + " " + a.nearest_village : a.commune || "#" + a.id;
        var detail = [T.alertState[a.alert_state] || a.alert_state, show(a.last_seen), a.hotspot_count + " " + T.hotspots, a.nearest_village ? a.commune : null]
          .filter(Boolean).join(" · ");
        var b = el("button", { type: "button", cls: "gp-item", "data-alert-state": a.alert_state }, el("strong", { text: where }), el("span", { text: detail }));
        b.addEventListener("click", function () {
          if (a.lat === null || a.lon === null || a.lat === undefined) return;
          var ll = L.latLng(a.lat, a.lon);
          map.setView(ll, Math.max(map.getZoom(), 13));
          L.popup().setLatLng(ll).setContent(alertPopup(a, page)).openOn(map);
          closeSidebarOnPhone();
        });
        return el("li", null, b);
      }), T.noFireAlerts);
    });
  }
  function hotspotPanel(ul) {
    // Without the fire app's alert feed: the hotspots of the last 24 hours from the layer.
    var fm = layerOfTheme("fire", true);
    if (!fm) return Promise.resolve(listInto(ul, [], T.noLayer));
    var now = new Date();
    return fetchFeatures(fm, {}, { datetime: new Date(now - 864e5).toISOString() + "/" + now.toISOString(), limit: 100 }).then(function (fs) {
      fs.sort(function (a, b) { return String(b.properties[fm.timeField]).localeCompare(String(a.properties[fm.timeField])); });
      listInto(ul, fs.slice(0, 30).map(function (f) {
        var pr = f.properties || {};
        return featureItem(fm, f, show(pr[fm.timeField]), [pr.confidence, pr.source].filter(Boolean).map(show).join(" · "));
      }), T.noFireHotspots);
    });
  }
  // The feedback officers' queue (/feedback/queue/map.geojson): open complaints, nearest deadline first.
  function complaintPanel(p, ul) {
    var cm = layerOfTheme("feedback", false);
    var queuePage = p.links && p.links[0] && p.links[0].url;
    var request = p.feed
      ? getJSON(p.feed).then(function (fc) { return fc.features || []; })
      : cm ? fetchFeatures(cm, {}, { limit: 500 }).then(function (fs) {
          return fs.filter(function (f) { return CLOSED.indexOf(f.properties && f.properties.status) < 0; });
        }) : Promise.resolve([]);
    return request.then(function (open) {
      listInto(ul, open.slice(0, 50).map(function (f) {
        var pr = f.properties || {};
        var code = pr.tracking_code || "";
        var parts = [T.complaintStatus[pr.status] || show(pr.status)];
        if (pr.overdue) parts.push(T.overdue);
        parts.push(show(pr.description).slice(0, 80));
        var b = el("button", { type: "button", cls: "gp-item" + (pr.overdue ? " gp-overdue" : ""), "data-code": code, "data-overdue": pr.overdue ? "1" : "0" },
          el("strong", { text: code || show(pr.category) }), el("span", { text: parts.join(" · ") }));
        b.addEventListener("click", function () {
          // The layer's own feature when it is on the map (the officer's fields), else the queue's.
          var st = cm && state[cm.slug];
          var own = st && st.features && st.features.filter(function (g) { return g.properties && g.properties.tracking_code === code; })[0];
          var meta = cm || { slug: "complaints", title: "", geometry: "Point", fields: null, labelField: "tracking_code", theme: "feedback" };
          var link = queuePage && code ? pageLink(queuePage + encodeURIComponent(code) + "/", T.openDetail) : null;
          goTo({ meta: meta, feature: own || f }, link);
        });
        return el("li", null, b);
      }), T.noComplaints);
    });
  }
  function coveragePanel(ul) {
    var telecom = metas.filter(function (m) { return m.theme === "telecom"; });
    listInto(ul, telecom.map(function (m) {
      var b = el("button", { type: "button", cls: "gp-item gp-item-row", "data-layer": m.slug }, swatch(m), el("span", { text: m.title }));
      b.addEventListener("click", function () {
        var st = state[m.slug];
        st.on = !st.on;
        if (st.checkbox) st.checkbox.checked = st.on;
        refresh(m.slug);
      });
      return el("li", null, b);
    }), T.noLayer);
    return Promise.resolve();
  }
  function buildPanels() {
    return Promise.all((cfg.panels || []).map(function (p) {
      var host = document.querySelector('[data-panel="' + p.key + '"] .gp-panel-body');
      if (!host) return null;
      var ul = el("ul", { cls: "gp-panel-list" });
      host.appendChild(ul);
      var job = p.key === "fire" ? (p.feed ? firePanel(p, ul) : hotspotPanel(ul))
        : p.key === "complaints" ? complaintPanel(p, ul)
        : p.key === "coverage" ? coveragePanel(ul) : Promise.resolve();
      return job.then(function () { host.setAttribute("data-loaded", "1"); }, function (err) {
        listInto(ul, [], T.loadFailed);
        if (window.console) console.warn(err);
      });
    }));
  }

  /* ---------- phone: collapsible side panel ---------- */
  function closeSidebarOnPhone() {
    if (window.matchMedia("(max-width: 700px)").matches) document.body.classList.remove("gp-sidebar-open");
  }
  var toggle = document.getElementById("gp-sidebar-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      document.body.classList.toggle("gp-sidebar-open");
      toggle.setAttribute("aria-expanded", document.body.classList.contains("gp-sidebar-open") ? "true" : "false");
      setTimeout(function () { map.invalidateSize(); }, 250);
    });
  }

  /* ---------- start ---------- */
  loadCatalogue().then(function (list) {
    metas = list;
    var asked = (cfg.view && cfg.view.layers) || [];
    metas.forEach(function (m) {
      var filters = {};
      m.filterFields.forEach(function (f) { if (urlParams.get(f)) filters[f] = urlParams.get(f); });
      var on = EMBED || (asked.length ? asked.indexOf(m.slug) >= 0 : m.theme === "places");
      state[m.slug] = { meta: m, on: on, layer: null, features: null, filters: on ? filters : {}, values: {} };
    });
    if (!EMBED) {
      buildSwitcher();
      buildTimeControl();
      setupSearch();
      buildPanels();
    }
    document.body.setAttribute("data-catalogue", String(metas.length));
    return Promise.all(metas.map(function (m) { return refresh(m.slug); }));
  }).then(function () {
    document.body.setAttribute("data-ready", "1");
  }, function (err) {
    notice(T.catalogueFailed);
    document.body.setAttribute("data-ready", "error");
    if (window.console) console.warn(err);
  });

  window.geoplatform = { map: map, state: state, bases: basemaps };
})();
