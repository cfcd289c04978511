/* The operations map and the portal embed, built from the layer catalogue.
 * Data never goes through innerHTML: every text from the server is put in with textContent. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("gp-config").textContent);
  var T = JSON.parse(document.getElementById("gp-strings").textContent);
  var EMBED = cfg.mode === "embed";
  var LANG = cfg.language === "en" ? "en" : "vi";
  var LOCALE = LANG === "en" ? "en-GB" : "vi-VN";
  var TZ = "Asia/Ho_Chi_Minh";
  var PAGE = 1000;
  var MAX_PAGES = 10;
  var CLUSTER_AT = 150; // point layers with more features than this are clustered
  var CLOSED = ["resolved", "rejected", "closed"];
  // Embeds fetch as an anonymous visitor: even a signed-in browser only gets public fields.
  var CREDENTIALS = EMBED ? "omit" : "same-origin";
  var COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;
  // How far from a point or line a click or tap still means it, in screen pixels: the same on a phone and a
  // desktop, so that one tap lists what is under the finger, not what lies a kilometre away at a low zoom.
  var TOLERANCE = 8;
  var ALSO_MAX = 8; // the "also here" list names this many, then says how many more
  var HAS = Object.prototype.hasOwnProperty;

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
  function words(s) {
    return fold(s).split(/[^a-z0-9]+/).filter(Boolean);
  }
  function safeColor(c, fallback) {
    return typeof c === "string" && COLOR.test(c) ? c : fallback;
  }
  function fill(template, value) {
    return String(template).replace("%s", value);
  }

  /* ---------- values as words: names for ids, words for codes, rounded numbers with units ---------- */
  var dateFmt = new Intl.DateTimeFormat(LOCALE, {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
  var dayFmt = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit" });
  var intFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
  var oneFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
  var smallFmt = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 2 });
  var ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
  var DAY = /^\d{4}-\d{2}-\d{2}$/;
  function number(v) {
    if (Number.isInteger(v)) return intFmt.format(v);
    return (Math.abs(v) >= 1 ? oneFmt : smallFmt).format(v);
  }
  function time(value) {
    var d = new Date(String(value).replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
    return isNaN(d) ? String(value) : dateFmt.format(d);
  }
  // A code without a word in the catalogue still reads as words ("terrain_shadow" -> "terrain shadow").
  function codeWords(v) {
    return /^[a-z]+(_[a-z0-9]+)+$/.test(v) ? v.replace(/_/g, " ") : v;
  }
  function show(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? T.yes : T.no;
    if (typeof value === "number") return number(value);
    if (typeof value === "string" && ISO.test(value)) return time(value);
    if (typeof value === "string" && DAY.test(value)) return dayFmt.format(new Date(value + "T00:00:00Z"));
    if (typeof value === "object") return value.name ? String(value.name) : "—";
    return String(value);
  }
  function human(field, slug) {
    var own = slug && T.layerFields && T.layerFields[slug] && T.layerFields[slug][field];
    return own || (T.fields && T.fields[field]) || codeWords(field).replace(/_/g, " ");
  }
  // Names of the features other layers point to ("commune": 3 -> "Xã Trà Ka"), by layer slug.
  var names = {};
  var namesLoading = {};
  function refOf(slug, field) {
    return (T.refs && T.refs[slug] && T.refs[slug][field]) || null;
  }
  // Distances as the fire pages say them (layers/fire/display.py): 840 m, 1,5 km, 12 km.
  function distance(metres) {
    if (metres < 1000) return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }).format(Math.round(metres / 10) * 10) + "\u00a0m";
    var digits = metres < 10000 ? 1 : 0;
    return new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(metres / 1000) + "\u00a0km";
  }
  function valueText(slug, field, value) {
    if (value === null || value === undefined || value === "") return "—";
    var ref = refOf(slug, field);
    if (ref && (typeof value === "number" || /^\d+$/.test(String(value)))) {
      var known = names[ref] && names[ref][String(value)];
      return known !== undefined ? known : "—"; // never a database id
    }
    var vocab = T.values && T.values[slug] && T.values[slug][field];
    if (vocab && HAS.call(vocab, String(value))) return vocab[String(value)];
    var lists = (T.lists && T.lists[slug]) || [];
    if (vocab && lists.indexOf(field) >= 0 && typeof value === "string") {
      return value.split(/\s*,\s*/).map(function (c) { return HAS.call(vocab, c) ? vocab[c] : codeWords(c); }).join(", ");
    }
    if (field === "village_distance_m" && typeof value === "number") return distance(value);
    if (typeof value === "number") {
      var unit = T.units && T.units[field];
      return number(value) + (unit ? (unit === "°" ? unit : "\u00a0" + unit) : "");
    }
    if (typeof value === "string" && !ISO.test(value) && !DAY.test(value)) return codeWords(value);
    return show(value);
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
      editPage: raw.edit_page || null,
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
  var map = L.map("map", { minZoom: cfg.minZoom, maxZoom: cfg.maxZoom, zoomControl: false, tap: true });
  // Leaflet's own controls speak English: their titles in the page's language.
  L.control.zoom({ zoomInTitle: T.zoomInTitle, zoomOutTitle: T.zoomOutTitle }).addTo(map);
  map.on("popupopen", function (e) {
    var told = document.getElementById("gp-notice");
    if (told) told.hidden = true; // a popup is what the person is reading now
    var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", T.close); close.title = T.close; }
  });
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
  map.createPane("gp-highlight").style.zIndex = 430;
  map.getPane("gp-highlight").style.pointerEvents = "none";
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

  // "Report a problem" where the map is centred: the citizen report form, reachable from the map itself.
  var Report = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var a = el("a", { cls: "gp-report leaflet-bar", "data-testid": "report", title: T.reportTitle },
        el("span", { "aria-hidden": "true", text: "⚑ " }), el("span", { text: T.report }));
      function place() {
        var c = map.getCenter();
        a.href = cfg.reportUrl + "?lat=" + c.lat.toFixed(6) + "&lon=" + c.lng.toFixed(6);
      }
      map.on("moveend", place);
      place();
      L.DomEvent.disableClickPropagation(a);
      return a;
    },
  });
  if (cfg.reportUrl && !EMBED) new Report().addTo(map);

  // Notices stack with the other controls (under the base-map switcher) rather than covering them.
  var NoticeSlot = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var box = document.getElementById("gp-notice");
      box.classList.add("leaflet-control");
      L.DomEvent.disableClickPropagation(box);
      return box;
    },
  });

  /* ---------- base maps: online with an offline fallback (web/basemap.js) ---------- */
  var basemaps = window.gpBasemaps(map, cfg.basemap, function () { notice(T.basemapFallback); });
  var bases = {};
  bases[T.basemapOnline] = basemaps.online;
  bases[T.basemapOffline] = basemaps.offline;
  var switcher = L.control.layers(bases, null, { position: "topright", collapsed: true }).addTo(map);
  // After the switcher, so that it sits under it.
  if (document.getElementById("gp-notice")) new NoticeSlot().addTo(map);
  if (switcher._layersLink) {
    switcher._layersLink.title = T.basemaps;
    switcher._layersLink.setAttribute("aria-label", T.basemaps);
  }

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
  var state = {}; // slug -> {meta, on, layer, features, filters, values, stack}
  // Layers in the order they were asked for: the first load asks in the catalogue's order, a layer switched on (or
  // filtered) later is asked for again, on top. A layer's place is taken when it is asked for, not when its
  // features arrive (placeInStack), so the order drawn does not depend on which request finishes first.
  var stackSeq = 0;
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
    var hidden = (T.hidden && T.hidden[meta.slug]) || [];
    return names.filter(function (n) { return props && n in props && hidden.indexOf(n) < 0; });
  }

  // A label that is a bare number ("350") reads as what it numbers: "Thửa 350, tờ 88", else "<noun> 350".
  function labelText(meta, props) {
    var text = valueText(meta.slug, meta.labelField, props[meta.labelField]);
    if (!/^[0-9][0-9.,\s]*$/.test(text)) return text;
    var template = T.titles && T.titles[meta.slug];
    if (template) {
      var missing = false;
      var out = template.replace(/\{([a-z_]+)\}/g, function (all, f) {
        var v = props[f];
        if (v === undefined || v === null || v === "") { missing = true; return ""; }
        return valueText(meta.slug, f, v);
      });
      if (!missing) return out;
    }
    return ((T.nouns && T.nouns[meta.slug]) || meta.title) + " " + text;
  }
  // A short name of a feature for lists: its label, else its time, else its first field.
  function featureName(meta, props) {
    props = props || {};
    if (meta.labelField && props[meta.labelField] !== undefined && props[meta.labelField] !== null && props[meta.labelField] !== "") {
      return labelText(meta, props);
    }
    // Without a name: what tells such features apart (operator and technology of a coverage gap), else when.
    var coded = meta.filterFields.filter(function (f) { return props[f] !== undefined && props[f] !== null && props[f] !== ""; }).slice(0, 2);
    if (coded.length && !isPoint(meta)) return coded.map(function (f) { return valueText(meta.slug, f, props[f]); }).join(" · ");
    if (meta.timeField && props[meta.timeField]) return show(props[meta.timeField]);
    var first = visibleFields(meta, props)[0];
    return first ? valueText(meta.slug, first, props[first]) : meta.title;
  }

  function popupContent(meta, props, id) {
    props = props || {};
    var box = el("div", { cls: "gp-popup", "data-layer": meta.slug });
    if (id !== undefined && id !== null) box.setAttribute("data-feature", String(id));
    var label = meta.labelField && props[meta.labelField];
    box.appendChild(el("div", { cls: "gp-popup-layer", text: meta.title }));
    if (label !== undefined && label !== null && label !== "") {
      box.appendChild(el("div", { cls: "gp-popup-title", text: labelText(meta, props) }));
    }
    var table = el("table");
    visibleFields(meta, props).forEach(function (name) {
      if (name === meta.labelField) return; // already the title
      var raw = props[name];
      if (raw === null || raw === undefined || raw === "") return; // an empty row says nothing to a person
      table.appendChild(el("tr", null, el("th", { scope: "row", text: human(name, meta.slug) }), el("td", { text: valueText(meta.slug, name, props[name]), "data-field": name })));
    });
    box.appendChild(table);
    // Editors go from the map to the layer's desk with this feature chosen there.
    if (meta.editPage && id !== undefined && id !== null) {
      box.appendChild(el("a", {
        href: meta.editPage.replace("{id}", encodeURIComponent(String(id))), cls: "gp-popup-link", "data-testid": "edit-feature", text: T.editFeature + " →",
      }));
    }
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

  // Clicks are answered by the map as a whole (whatIsHere), not by each shape: the smallest, top-most feature wins.
  function geojsonLayer(meta, features) {
    var cls = "gp-feature gp-layer-" + meta.slug;
    var labelled = meta.style && meta.style.labels && meta.labelField;
    var geo = L.geoJSON({ type: "FeatureCollection", features: features }, {
      pointToLayer: function (f, ll) {
        var s = featureStyle(meta, f.properties, cls);
        s.radius = confidenceRadius(meta, f.properties);
        s.pane = "gp-points";
        s.interactive = false;
        return L.circleMarker(ll, s);
      },
      style: function (f) { return L.extend(featureStyle(meta, f && f.properties, cls), { interactive: false }); },
      pane: paneOf(meta),
      interactive: false,
      onEachFeature: function (f, lyr) {
        lyr.feature = f;
        var name = labelled && f.properties && f.properties[meta.labelField];
        if (name) {
          lyr.bindTooltip(String(name).replace(/^(Xã|Thị trấn|Phường)\s+/, ""), {
            permanent: true, direction: "center", className: "gp-area-label", interactive: false,
          });
        }
      },
    });
    var out = geo;
    if (isPoint(meta) && features.length > CLUSTER_AT && L.markerClusterGroup) {
      out = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
      out.addLayers(geo.getLayers());
    }
    out.gpShapes = geo;
    return out;
  }

  var vectorGridReady = null;
  function loadVectorGrid() {
    if (!vectorGridReady) {
      vectorGridReady = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = cfg.vectorGridUrl;
        s.onload = function () { resolve(); };
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
            // A grid cluster of an aggregated tile (too many features for one tile): drawn by tile-clusters.js.
            if (props && props.point_count != null && window.geoplatform && window.geoplatform.clusterStyle) {
              return window.geoplatform.clusterStyle(meta, props, vs);
            }
            var c = ageColor(meta, props) || statusColor(meta, props);
            var extra = { radius: confidenceRadius(meta, props) };
            if (c) { extra.color = c; extra.fillColor = c; }
            return L.extend({}, vs, extra);
          };
        });
        var q = layerParams(meta, filters).toString();
        var vg = L.vectorGrid.protobuf(meta.tilesUrl + (q ? "?" + q : ""), {
          vectorTileLayerStyles: styles,
          interactive: false, // the map answers clicks (whatIsHere)
          maxNativeZoom: tj.maxzoom || 16,
          maxZoom: cfg.maxZoom,
          minZoom: meta.minZoom,
          fetchOptions: { credentials: CREDENTIALS },
          rendererFactory: L.canvas.tile,
        });
        vg.gpTiled = true;
        return vg;
      });
  }

  // The time and attribute filters of a layer, as its tiles and feature queries take them.
  function layerParams(meta, filters) {
    var params = new URLSearchParams();
    var dt = meta.timeField ? datetimeParam() : "";
    if (dt) params.set("datetime", dt);
    Object.keys(filters || {}).forEach(function (k) { if (filters[k] && filters[k].indexOf(",") < 0) params.set(k, filters[k]); });
    return params;
  }

  function refresh(slug) {
    var st = state[slug];
    if (st.layer) { map.removeLayer(st.layer); st.layer = null; }
    if (!st.on) { updateLegend(); updateHints(); return Promise.resolve(); }
    st.status && (st.status.textContent = T.loading);
    var rank = st.asked = ++stackSeq;
    var job = st.meta.preferTiles && !EMBED
      ? tileLayer(st.meta, st.filters)
      : fetchFeatures(st.meta, st.filters).then(function (features) {
          st.features = features;
          return ensureNames(st.meta).then(function () {
            collectValues(st, features);
            return geojsonLayer(st.meta, features);
          });
        });
    return job.then(function (layer) {
      if (!st.on || st.asked !== rank) return; // switched off, or asked for again since
      if (st.layer) map.removeLayer(st.layer);
      st.layer = layer.addTo(map);
      st.stack = rank;
      placeInStack(st);
      st.status && (st.status.textContent = st.features && !st.meta.preferTiles ? number(st.features.length) : "");
      updateLegend();
      updateHints();
      if (st.meta.preferTiles) countTiled();
      declutter();
      document.body.setAttribute("data-loaded-" + slug, "1");
    }, function (err) {
      st.status && (st.status.textContent = T.loadFailed);
      if (window.console) console.warn(err);
    });
  }

  // A layer just added is drawn in its place in the stack: in one SVG (one pane), its shapes go under those of the
  // layers asked for after it, which may have arrived first; tiles take their rank as z-index in the tile pane.
  function placeInStack(st) {
    if (st.layer.gpTiled) { st.layer.setZIndex(st.stack); return; }
    if (!st.layer.gpShapes) return;
    var above = [];
    metas.forEach(function (m) {
      var o = state[m.slug];
      if (o === st || !o.layer || !o.layer.gpShapes || !(o.stack > st.stack)) return;
      o.layer.gpShapes.eachLayer(function (lyr) { if (lyr._map && lyr._path && lyr._path.parentNode) above.push(lyr._path); });
    });
    if (!above.length) return;
    var firsts = []; // per SVG group: the first shape of a layer above
    function firstAbove(parent) {
      for (var i = 0; i < firsts.length; i++) if (firsts[i].parent === parent) return firsts[i].first;
      var first = null;
      above.forEach(function (q) {
        if (q.parentNode === parent && (!first || q.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)) first = q;
      });
      firsts.push({ parent: parent, first: first });
      return first;
    }
    st.layer.gpShapes.eachLayer(function (lyr) {
      var path = lyr._map && lyr._path;
      var first = path && path.parentNode && firstAbove(path.parentNode);
      if (first) path.parentNode.insertBefore(path, first);
    });
  }

  /* ---------- names of the features that other layers point to ---------- */
  function metaOf(slug) {
    for (var i = 0; i < metas.length; i++) if (metas[i].slug === slug) return metas[i];
    return null;
  }
  function ensureNames(meta) {
    var refs = (T.refs && T.refs[meta.slug]) || {};
    return Promise.all(Object.keys(refs).map(function (field) { return loadNames(refs[field]); }));
  }
  function loadNames(slug) {
    if (names[slug]) return Promise.resolve(names[slug]);
    if (namesLoading[slug]) return namesLoading[slug];
    var st = state[slug];
    var target = metaOf(slug) || normalise({ slug: slug, label_field: "name" });
    var job = st && st.features ? Promise.resolve(st.features) : fetchFeatures(target, {});
    namesLoading[slug] = job.then(function (features) {
      var index = {};
      var field = target.labelField || "name";
      features.forEach(function (f) { if (f.properties && f.properties[field]) index[String(f.id)] = String(f.properties[field]); });
      names[slug] = index;
      return index;
    }, function () { names[slug] = {}; return names[slug]; });
    return namesLoading[slug];
  }

  /* ---------- what is here: the feature under a click or tap ---------- */
  function ringsOf(lyr) { return lyr._parts || []; }
  function insideRings(rings, p) {
    var inside = false;
    rings.forEach(function (ring) {
      for (var j = 0, k = ring.length - 1; j < ring.length; k = j++) {
        var a = ring[j], b = ring[k];
        if ((a.y > p.y) !== (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
      }
    });
    return inside;
  }
  function edgeDistance(rings, p, closed) {
    var best = Infinity;
    rings.forEach(function (ring) {
      for (var j = 1; j < ring.length; j++) best = Math.min(best, L.LineUtil.pointToSegmentDistance(p, ring[j - 1], ring[j]));
      if (closed && ring.length > 2) best = Math.min(best, L.LineUtil.pointToSegmentDistance(p, ring[ring.length - 1], ring[0]));
    });
    return best;
  }
  function pixelArea(rings) {
    var sum = 0;
    rings.forEach(function (ring) {
      var a = 0;
      for (var j = 0, k = ring.length - 1; j < ring.length; k = j++) a += (ring[k].x + ring[j].x) * (ring[k].y - ring[j].y);
      sum += Math.abs(a / 2);
    });
    return sum;
  }
  // kind: 0 point, 1 line, 2 area (drawn in that order from the top); size: distance or area, smaller first;
  // under: the point's dot as drawn covers the tap itself (not only within TOLERANCE of it).
  function hitOf(lyr, p) {
    if (lyr instanceof L.CircleMarker) {
      var d = map.latLngToLayerPoint(lyr.getLatLng()).distanceTo(p);
      return d <= lyr.getRadius() + TOLERANCE ? { kind: 0, size: d, under: d <= lyr.getRadius() } : null;
    }
    if (!(lyr instanceof L.Polyline)) return null;
    var rings = ringsOf(lyr);
    var area = lyr instanceof L.Polygon;
    var edge = edgeDistance(rings, p, area) <= (lyr.options.weight || 1) / 2 + TOLERANCE;
    if (!area) return edge ? { kind: 1, size: edgeDistance(rings, p, false) } : null;
    // A filled area answers where it contains the point; one drawn without fill (the district's outline) on its
    // outline only, so that a neighbouring area is not listed for a tap next to its border.
    var filled = lyr.options.fill !== false && lyr.options.fillOpacity > 0;
    var hit = filled ? insideRings(rings, p) : edge;
    return hit ? { kind: 2, size: pixelArea(lyr._rings || rings) } : null;
  }
  function drawnHits(latlng) {
    var p = map.latLngToLayerPoint(latlng);
    var hits = [];
    metas.forEach(function (m) {
      var st = state[m.slug];
      if (!st.on || !st.layer || !st.layer.gpShapes) return;
      st.layer.gpShapes.eachLayer(function (lyr) {
        if (!lyr._map) return; // inside a cluster, or not drawn
        var hit = hitOf(lyr, p);
        if (hit) hits.push({ meta: m, feature: lyr.feature, kind: hit.kind, size: hit.size, under: !!hit.under, path: lyr._path, z: st.stack });
      });
    });
    return hits;
  }
  function projected(coords) {
    return coords.map(function (c) { return map.latLngToLayerPoint([c[1], c[0]]); });
  }
  // Whether a feature from the API is really under the click: an area that contains it, a point or line
  // within TOLERANCE screen pixels (the bounding-box query also returns what merely comes near).
  function apiHit(m, g, p, props) {
    var c = g.coordinates;
    if (!c) return null;
    if (g.type === "Point" || g.type === "MultiPoint") {
      var pts = projected(g.type === "Point" ? [c] : c);
      var d = Math.min.apply(null, pts.map(function (q) { return q.distanceTo(p); }));
      return d <= (m.style.radius || 5) + TOLERANCE ? { kind: 0, size: d, under: d <= confidenceRadius(m, props) } : null;
    }
    if (g.type === "LineString" || g.type === "MultiLineString") {
      var lines = (g.type === "LineString" ? [c] : c).map(projected);
      var e = edgeDistance(lines, p, false);
      return e <= (m.style.weight || 2) / 2 + TOLERANCE ? { kind: 1, size: e } : null;
    }
    if (g.type === "Polygon" || g.type === "MultiPolygon") {
      var polys = (g.type === "Polygon" ? [c] : c).map(function (poly) { return poly.map(projected); });
      var inside = polys.some(function (rings) { return insideRings(rings, p); });
      var size = polys.reduce(function (a, rings) { return a + pixelArea(rings); }, 0);
      return inside ? { kind: 2, size: size } : null;
    }
    return null;
  }
  // Layers drawn from vector tiles hold no features in the page: ask the API what lies within a few pixels.
  function tiledHits(latlng) {
    var c = map.latLngToContainerPoint(latlng);
    var p = map.latLngToLayerPoint(latlng);
    return Promise.all(metas.map(function (m) {
      var st = state[m.slug];
      if (!st.on || !st.layer || !st.layer.gpTiled || map.getZoom() < m.minZoom) return [];
      var r = isPoint(m) ? (m.style.radius || 5) + TOLERANCE : /Line/.test(m.geometry) ? TOLERANCE : 1;
      var sw = map.containerPointToLatLng([c.x - r, c.y + r]);
      var ne = map.containerPointToLatLng([c.x + r, c.y - r]);
      var params = layerParams(m, st.filters);
      params.set("bbox", [sw.lng, sw.lat, ne.lng, ne.lat].map(function (v) { return v.toFixed(7); }).join(","));
      params.set("limit", "20");
      var base = m.featuresUrl.split("?")[0];
      return getJSON(base + "?" + params.toString()).then(function (fc) {
        var out = [];
        (fc.features || []).forEach(function (f) {
          var hit = apiHit(m, f.geometry || {}, p, f.properties);
          // Tiles lie in the tile pane, under every pane of the shapes drawn in the page.
          if (hit) out.push({ meta: m, feature: f, kind: hit.kind, size: hit.size, under: !!hit.under, z: st.stack - 1e9 });
        });
        return out;
      }, function () { return []; });
    })).then(function (lists) { return [].concat.apply([], lists); });
  }
  function reportLink(latlng) {
    if (!cfg.reportUrl || EMBED) return null;
    var href = cfg.reportUrl + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6);
    return el("a", { href: href, cls: "gp-popup-link gp-report-here", "data-testid": "report-here", text: T.reportHere + " →" });
  }
  // The answer of a click: the top-most, smallest feature, the others under it as a list to pick from.
  function hitsPopup(latlng, hits, chosen) {
    var box = el("div", { cls: "gp-here" });
    if (!hits.length) {
      box.appendChild(el("div", { cls: "gp-popup-layer", text: T.here }));
      box.appendChild(el("div", { cls: "gp-popup-title", text: T.nothingHere }));
    } else {
      var hit = hits[chosen];
      box.appendChild(popupContent(hit.meta, hit.feature.properties, hit.feature.id));
    }
    if (hits.length > 1) {
      var list = el("ul", { cls: "gp-also", "aria-label": T.alsoHere });
      box.appendChild(el("div", { cls: "gp-also-title", text: T.alsoHere }));
      var shown = 0;
      var same = {}; // "Rừng: Rừng trồng" three times reads as one line with its count
      hits.forEach(function (h, i) {
        if (i === chosen) return;
        var key = h.meta.slug + "\u0000" + featureName(h.meta, h.feature.properties);
        same[key] = (same[key] || 0) + 1;
      });
      var listed = {};
      hits.forEach(function (h, i) {
        var name = featureName(h.meta, h.feature.properties);
        var key = h.meta.slug + "\u0000" + name;
        if (i === chosen || listed[key] || shown >= ALSO_MAX) return;
        listed[key] = true;
        shown++;
        var b = el("button", { type: "button", cls: "gp-also-item", "data-layer": h.meta.slug },
          el("span", { cls: "gp-also-layer", text: h.meta.title + ": " }), el("span", { text: name + (same[key] > 1 ? " (" + number(same[key]) + ")" : "") }));
        b.addEventListener("click", function (ev) {
          L.DomEvent.stop(ev);
          herePopup.setContent(hitsPopup(latlng, hits, i));
        });
        list.appendChild(el("li", null, b));
      });
      box.appendChild(list);
      var more = Object.keys(same).length - shown;
      if (more > 0) box.appendChild(el("div", { cls: "gp-also-more", "data-testid": "also-more", text: fill(T.andMore, number(more)) }));
    }
    var link = reportLink(latlng);
    if (link) box.appendChild(link);
    return box;
  }
  // Popups open clear of the map's controls (zoom, report, base maps at the top; the legend at the bottom).
  var POPUP = { maxWidth: 300, autoPanPaddingTopLeft: [10, 175], autoPanPaddingBottomRight: [10, 40] };
  var herePopup = L.popup(POPUP);
  var hereSeq = 0;
  // Whether hit a is drawn over hit b: in one SVG (the pane of points), the later element is painted over the
  // earlier one (also where a cluster unfolds its dots after another layer was added); else the later layer.
  function drawnOver(a, b) {
    if (a.path && b.path && a.path.parentNode && a.path.parentNode === b.path.parentNode) {
      return !!(b.path.compareDocumentPosition(a.path) & Node.DOCUMENT_POSITION_FOLLOWING);
    }
    return a.z > b.z;
  }
  // Dots of several layers under the finger (a village and its road access): the answer is the dot the person
  // sees there, that of the layer drawn on top, the nearest of that layer's own; the others stay in the list.
  // Within one layer, and where no dot covers the tap, the nearest still answers.
  function seenFirst(hits) {
    if (!hits.length || hits[0].kind !== 0) return hits;
    var top = null;
    hits.forEach(function (h) { if (h.kind === 0 && h.under && (!top || drawnOver(h, top))) top = h; });
    if (!top || top.meta === hits[0].meta) return hits;
    for (var i = 1; i < hits.length; i++) {
      if (hits[i].meta === top.meta) return [hits[i]].concat(hits.slice(0, i), hits.slice(i + 1));
    }
    return hits;
  }
  function whatIsHere(latlng) {
    var seq = ++hereSeq;
    var local = drawnHits(latlng);
    return tiledHits(latlng).then(function (remote) {
      // Features of two layers at one spot (equally near): the layer drawn on top first.
      var hits = local.concat(remote);
      hits.sort(function (a, b) { return a.kind - b.kind || a.size - b.size || (a.meta === b.meta ? 0 : b.z - a.z); });
      hits = seenFirst(hits);
      return Promise.all(hits.map(function (h) { return ensureNames(h.meta); })).then(function () {
        if (seq !== hereSeq) return; // a newer click answers instead
        if (!hits.length && EMBED) return;
        herePopup.setLatLng(latlng).setContent(hitsPopup(latlng, hits, 0)).openOn(map);
      });
    });
  }
  map.on("click", function (e) { clearHighlight(); whatIsHere(e.latlng); });

  /* ---------- hints: zoom in to see a layer; counts of layers drawn from tiles ---------- */
  // A control, so that Leaflet stacks it under the base-map switcher instead of over other controls.
  var Hint = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      this._box = el("div", { cls: "gp-zoomhint leaflet-control", role: "status", "data-testid": "zoom-hint" });
      this._box.hidden = true;
      L.DomEvent.disableClickPropagation(this._box);
      return this._box;
    },
  });
  var hintControl = new Hint().addTo(map);
  function updateHints() {
    var box = hintControl._box;
    var below = [];
    metas.forEach(function (m) {
      var st = state[m.slug];
      if (!st || !st.on) return;
      if (map.getZoom() < m.minZoom) {
        below.push(m);
        if (st.status) st.status.textContent = T.zoomIn;
      }
    });
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = !below.length;
    if (!below.length) return;
    var need = Math.max.apply(null, below.map(function (m) { return m.minZoom; }));
    var button = el("button", { type: "button", cls: "gp-zoomhint-zoom", text: T.zoomInButton });
    button.addEventListener("click", function () { map.setZoom(need); });
    box.appendChild(el("span", { text: fill(T.zoomInTo, below.map(function (m) { return m.title; }).join(", ")) }));
    box.appendChild(button);
  }
  var countTimer = null;
  function countTiled() {
    clearTimeout(countTimer);
    countTimer = setTimeout(function () {
      var b = map.getBounds();
      metas.forEach(function (m) {
        var st = state[m.slug];
        if (!st.on || !st.layer || !st.layer.gpTiled || map.getZoom() < m.minZoom || !st.status) return;
        var params = layerParams(m, st.filters);
        params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
        params.set("limit", "1");
        getJSON(m.featuresUrl.split("?")[0] + "?" + params.toString()).then(function (fc) {
          if (st.on && typeof fc.numberMatched === "number") st.status.textContent = fill(T.inView, number(fc.numberMatched));
        }, function () {});
      });
    }, 300);
  }
  map.on("zoomend", updateHints);
  map.on("moveend", countTiled);

  /* ---------- names written on areas: none over another ---------- */
  // Larger areas (on screen) keep their names; a name that would overlap one already shown is hidden until
  // a zoom gives it room.
  var declutterTimer = null;
  function declutter() {
    clearTimeout(declutterTimer);
    declutterTimer = setTimeout(function () {
      var labels = [];
      metas.forEach(function (m) {
        var st = state[m.slug];
        if (!st.on || !st.layer || !st.layer.gpShapes) return;
        st.layer.gpShapes.eachLayer(function (lyr) {
          var tip = lyr.getTooltip && lyr.getTooltip();
          var node = tip && tip.getElement && tip.getElement();
          if (node && lyr._map) labels.push({ node: node, size: pixelArea(ringsOf(lyr)) });
        });
      });
      labels.sort(function (a, b) { return b.size - a.size; });
      var shown = [];
      labels.forEach(function (lab) {
        lab.node.classList.remove("gp-label-hidden");
        var r = lab.node.getBoundingClientRect();
        var clash = shown.some(function (o) {
          return r.left < o.right + 4 && o.left < r.right + 4 && r.top < o.bottom + 2 && o.top < r.bottom + 2;
        });
        if (clash) lab.node.classList.add("gp-label-hidden");
        else shown.push(r);
      });
    }, 30);
  }
  map.on("zoomend moveend", declutter);

  function collectValues(st, features) {
    st.meta.filterFields.forEach(function (f) {
      var seen = st.values[f] || {};
      features.forEach(function (feat) {
        var v = feat.properties && feat.properties[f];
        if (v !== null && v !== undefined && v !== "" && typeof v !== "object") seen[String(v)] = true;
      });
      st.values[f] = seen;
      var select = st.filterInputs && st.filterInputs[f];
      if (select && select.tagName === "SELECT") fillOptions(select, choicesOf(st, f), st.filters[f], st.meta.slug, f);
    });
  }

  // The values a filter offers: those of the features in the page; for a layer drawn from tiles (no features
  // in the page) the words the catalogue has for a coded field and the names of what a reference points to,
  // or null for a free field (sheet and parcel numbers), which is typed instead.
  function choicesOf(st, f) {
    var slug = st.meta.slug;
    var seen = Object.keys(st.values[f] || {});
    if (!st.meta.preferTiles || EMBED) return seen.sort().slice(0, 100);
    var vocab = T.values && T.values[slug] && T.values[slug][f];
    var ref = refOf(slug, f);
    var out = {};
    if (vocab) {
      // Two codes with one word (a satellite by letter or by number): the word offered once.
      var words = {};
      Object.keys(vocab).forEach(function (code) { if (!words[vocab[code]]) { words[vocab[code]] = true; out[code] = true; } });
    }
    if (ref && names[ref]) Object.keys(names[ref]).forEach(function (id) { out[id] = true; });
    seen.forEach(function (v) { out[v] = true; });
    var values = Object.keys(out);
    if (!values.length && !vocab && !ref) return null;
    return values.sort().slice(0, 100);
  }
  function fillOptions(select, values, current, slug, field) {
    while (select.firstChild) select.removeChild(select.firstChild);
    select.appendChild(el("option", { value: "", text: T.all }));
    if (current && values.indexOf(current) < 0) values = [current].concat(values);
    // Each value as a word; several values at once (from a dashboard link) as their words joined.
    function text(v) {
      return v.split(",").map(function (one) {
        return one === "true" ? T.yes : one === "false" ? T.no : valueText(slug, field, one);
      }).join(", ");
    }
    values = values.slice().sort(function (a, b) { return text(a).localeCompare(text(b), LOCALE); });
    values.forEach(function (v) {
      var o = el("option", { value: v, text: text(v) });
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
  // The legend: a labelled region that scrolls by keyboard too, behind a button that folds it away (folded
  // at first on a phone, where it would cover the map).
  var PHONE = window.matchMedia("(max-width: 700px)").matches;
  var Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      var self = this;
      this._toggle = el("button", { type: "button", cls: "gp-legend-toggle", "aria-expanded": PHONE ? "false" : "true", "aria-controls": "gp-legend-body", text: T.legend });
      this._box = el("div", { id: "gp-legend-body", cls: "gp-legend-body", tabindex: "0", role: "region", "aria-label": T.legend, "data-testid": "legend" });
      this._box.hidden = PHONE;
      this._toggle.addEventListener("click", function () {
        var open = self._box.hidden;
        self._box.hidden = !open;
        self._toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
      this._wrap = el("div", { cls: "gp-legend leaflet-control" }, this._toggle, this._box);
      L.DomEvent.disableClickPropagation(this._wrap);
      L.DomEvent.disableScrollPropagation(this._wrap);
      return this._wrap;
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
          var label = (T.fireStatus && T.fireStatus[status]) || valueText(m.slug, "status", status);
          box.appendChild(el("div", { cls: "gp-legend-age", "data-layer": m.slug }, sw, el("span", { text: label })));
        });
      }
    });
    legend._wrap.hidden = !any;
  }

  /* ---------- the side panel (full map only) ---------- */
  // Fields a person filters by: not the ones hidden from people (a commune's slug code).
  function filterFieldsOf(m) {
    var hidden = (T.hidden && T.hidden[m.slug]) || [];
    return m.filterFields.filter(function (f) { return hidden.indexOf(f) < 0; });
  }
  // Names of referenced features (a fire event's commune) for the filters of layers drawn from tiles.
  function fillReferenceFilters() {
    metas.forEach(function (m) {
      var st = state[m.slug];
      var refs = (T.refs && T.refs[m.slug]) || {};
      if (!st.filterInputs || !Object.keys(refs).length) return;
      ensureNames(m).then(function () {
        Object.keys(refs).forEach(function (f) {
          var input = st.filterInputs[f];
          if (input && input.tagName === "SELECT") fillOptions(input, choicesOf(st, f), st.filters[f], m.slug, f);
        });
      });
    });
  }
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
        if (filterFieldsOf(m).length) {
          var details = el("details", { cls: "gp-filters" }, el("summary", { text: T.filter }));
          st.filterInputs = {};
          filterFieldsOf(m).forEach(function (f) {
            var choices = choicesOf(st, f);
            // A free field of a layer drawn from tiles (sheet and parcel numbers): typed, applied on Enter.
            var input = choices === null
              ? el("input", { type: "text", name: f, "data-filter": m.slug + "." + f, autocomplete: "off", enterkeyhint: "search", placeholder: T.typeValue })
              : el("select", { name: f, "data-filter": m.slug + "." + f });
            if (choices === null) input.value = st.filters[f] || "";
            else fillOptions(input, choices, st.filters[f], m.slug, f);
            function apply() {
              var v = input.value.trim();
              if ((st.filters[f] || "") === v) return;
              st.filters[f] = v;
              if (!st.on) { st.on = true; box.checked = true; }
              refresh(m.slug);
            }
            input.addEventListener("change", apply);
            if (choices === null) input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); apply(); } });
            st.filterInputs[f] = input;
            details.appendChild(el("label", { cls: "gp-filter" }, el("span", { text: human(f, m.slug) }), input));
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
    var problem = document.getElementById("gp-time-error");
    function say(text) {
      problem.textContent = text || "";
      problem.hidden = !text;
      [from, to].forEach(function (input) {
        if (text) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    }
    [from, to].forEach(function (input) { input.addEventListener("input", function () { say(""); }); });
    document.getElementById("gp-time-apply").addEventListener("click", function () {
      // Nothing chosen, or an end before the start: said next to the inputs, the map left as it was.
      if (!from.value && !to.value) return say(T.timeMissing);
      if (from.value && to.value && from.value >= to.value) return say(T.timeOrder);
      say("");
      // The inputs are local time in Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
      var a = from.value ? from.value + ":00+07:00" : "..";
      var b = to.value ? to.value + ":00+07:00" : "..";
      timeChoice = a + "/" + b;
      apply();
    });
  }

  /* ---------- search by village or commune name ---------- */
  // Each hit names its commune ("Thôn 3 · Trà Ka"); every word typed must start a word of the name or
  // of its commune, so "Thôn 3 Trà Ka" and "thon 3, tra ka" find it. Arrow keys move, Enter chooses.
  var searchIndex = null;
  function communeOf(meta, props) {
    var refs = (T.refs && T.refs[meta.slug]) || {};
    var field = Object.keys(refs).filter(function (f) { return refs[f] === "communes"; })[0];
    return field && props ? valueText(meta.slug, field, props[field]) : "";
  }
  function buildSearchIndex() {
    if (searchIndex) return searchIndex;
    var sources = metas.filter(function (m) { return m.theme === "places" && m.labelField && !m.preferTiles; });
    searchIndex = Promise.all(sources.map(function (m) {
      var have = state[m.slug] && state[m.slug].features;
      return (have ? Promise.resolve(have) : fetchFeatures(m, {})).then(function (features) {
        return ensureNames(m).then(function () {
          return features.map(function (f) {
            var name = show(f.properties && f.properties[m.labelField]);
            var commune = communeOf(m, f.properties);
            if (commune === "—") commune = "";
            return { name: name, commune: commune, own: words(name), all: words(name + " " + commune), meta: m, feature: f };
          });
        });
      }, function () { return []; });
    })).then(function (lists) {
      var seen = {};
      return [].concat.apply([], lists).filter(function (it) {
        var key = it.meta.slug + "/" + (it.feature.id !== undefined ? it.feature.id : it.name + "/" + it.commune);
        if (seen[key]) return false;
        seen[key] = true;
        return true;
      });
    });
    return searchIndex;
  }
  function matches(item, tokens) {
    var exact = 0;
    for (var i = 0; i < tokens.length; i++) {
      var t = tokens[i];
      var found = false;
      for (var j = 0; j < item.all.length; j++) {
        if (item.all[j].indexOf(t) === 0) { found = true; if (item.all[j] === t) exact++; }
      }
      if (!found) return -1;
    }
    return exact;
  }
  function searchFor(text, items) {
    var tokens = words(text);
    if (!tokens.length) return [];
    var scored = [];
    items.forEach(function (it) {
      var exact = matches(it, tokens);
      if (exact < 0) return;
      var inName = tokens.every(function (t) { return it.own.some(function (w) { return w.indexOf(t) === 0; }); });
      scored.push({ it: it, score: exact * 2 + (inName ? 1 : 0) + (fold(it.name) === fold(text.trim()) ? 10 : 0) });
    });
    scored.sort(function (a, b) {
      return b.score - a.score || a.it.name.length - b.it.name.length || a.it.name.localeCompare(b.it.name, LOCALE) || a.it.commune.localeCompare(b.it.commune, LOCALE);
    });
    return scored.slice(0, 12).map(function (s) { return s.it; });
  }
  function setupSearch() {
    var input = document.getElementById("gp-search");
    var results = document.getElementById("gp-search-results");
    if (!input) return;
    var timer = null;
    var hits = [];
    var active = -1;
    function open(yes) {
      results.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) { active = -1; input.removeAttribute("aria-activedescendant"); }
    }
    function mark(i) {
      var options = results.querySelectorAll(".gp-hit");
      if (!options.length) return;
      active = (i + options.length) % options.length;
      for (var k = 0; k < options.length; k++) options[k].setAttribute("aria-selected", k === active ? "true" : "false");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      var hit = hits[i];
      if (!hit) return;
      open(false);
      input.value = hit.name + (hit.commune ? ", " + hit.commune : "");
      goTo(hit);
    }
    function run() {
      clearTimeout(timer);
      timer = null;
      var text = input.value;
      if (fold(text.trim()).length < 2) { hits = []; open(false); return Promise.resolve(); }
      return buildSearchIndex().then(function (items) {
        if (input.value !== text) return;
        hits = searchFor(text, items);
        while (results.firstChild) results.removeChild(results.firstChild);
        active = -1;
        input.removeAttribute("aria-activedescendant");
        hits.forEach(function (hit, i) {
          var where = [hit.commune, hit.meta.title].filter(Boolean).join(" · ");
          var li = el("li", { id: "gp-hit-" + i, role: "option", cls: "gp-hit", "aria-selected": "false", "data-layer": hit.meta.slug },
            el("strong", { text: hit.name }), el("span", { cls: "gp-hit-where", text: where }));
          // mousedown would blur the input first and close the list before the click lands.
          li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
          li.addEventListener("click", function () { choose(i); });
          results.appendChild(li);
        });
        if (!hits.length) results.appendChild(el("li", { cls: "gp-nohit", role: "option", "aria-disabled": "true", text: T.noResults }));
        results.setAttribute("data-query", text); // which text these hits answer (the list follows the typing)
        open(true);
      });
    }
    input.addEventListener("focus", buildSearchIndex);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        (timer || results.hidden ? run() : Promise.resolve()).then(function () {
          mark(active < 0 && step < 0 ? -1 : active + step);
        });
      } else if (e.key === "Enter") {
        e.preventDefault();
        (timer ? run() : Promise.resolve()).then(function () { choose(active >= 0 ? active : 0); });
      } else if (e.key === "Escape") {
        open(false);
      }
    });
    input.addEventListener("blur", function () { setTimeout(function () { open(false); }, 150); });
  }
  var highlight = null;
  function clearHighlight() {
    if (highlight) { map.removeLayer(highlight); highlight = null; }
  }
  function goTo(hit, extra) {
    clearHighlight();
    var shape = L.geoJSON(hit.feature);
    var b = shape.getBounds();
    if (/Point/.test(hit.meta.geometry)) map.setView(b.getCenter(), Math.max(map.getZoom(), 14));
    else map.fitBounds(b, { maxZoom: 15 });
    if (/Polygon/.test(hit.meta.geometry)) {
      // The chosen area outlined, so a commune's extent is seen, not only its popup.
      highlight = L.geoJSON(hit.feature, {
        pane: "gp-highlight", interactive: false,
        style: { color: "#ff6f00", weight: 4, opacity: 0.95, fill: false, className: "gp-highlight" },
      }).addTo(map);
    }
    ensureNames(hit.meta).then(function () {
      var content = popupContent(hit.meta, hit.feature.properties, hit.feature.id);
      if (extra) content.appendChild(extra);
      var link = reportLink(b.getCenter());
      if (link) content.appendChild(link);
      herePopup.setLatLng(b.getCenter()).setContent(content).openOn(map);
    });
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
    box.appendChild(el("div", { cls: "gp-popup-layer", text: T.alertState[a.alert_state] || codeWords(a.alert_state) }));
    box.appendChild(el("div", { cls: "gp-popup-title", text: a.nearest_village ? T.nearVillage + " " + a.nearest_village : show(a.commune) }));
    var table = el("table");
    ["commune", "nearest_village", "village_distance_m", "first_seen", "last_seen", "hotspot_count", "max_frp", "max_confidence", "in_forest"].forEach(function (k) {
      if (a[k] === undefined) return;
      table.appendChild(el("tr", null, el("th", { scope: "row", text: human(k, "fire-events") }), el("td", { text: valueText("fire-events", k, a[k]), "data-field": k })));
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
        var detail = [T.alertState[a.alert_state] || codeWords(a.alert_state), show(a.last_seen), number(a.hotspot_count || 0) + " " + T.hotspots, a.nearest_village ? a.commune : null]
          .filter(Boolean).join(" · ");
        var b = el("button", { type: "button", cls: "gp-item", "data-alert-state": a.alert_state }, el("strong", { text: where }), el("span", { text: detail }));
        b.addEventListener("click", function () {
          if (a.lat === null || a.lon === null || a.lat === undefined) return;
          var ll = L.latLng(a.lat, a.lon);
          map.setView(ll, Math.max(map.getZoom(), 13));
          L.popup(POPUP).setLatLng(ll).setContent(alertPopup(a, page)).openOn(map);
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
        return featureItem(fm, f, show(pr[fm.timeField]), ["confidence", "source"].filter(function (k) { return pr[k]; })
          .map(function (k) { return valueText(fm.slug, k, pr[k]); }).join(" · "));
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
        var parts = [T.complaintStatus[pr.status] || codeWords(show(pr.status))];
        if (pr.overdue) parts.push(T.overdue);
        parts.push(show(pr.description).slice(0, 80));
        var b = el("button", { type: "button", cls: "gp-item" + (pr.overdue ? " gp-overdue" : ""), "data-code": code, "data-overdue": pr.overdue ? "1" : "0" },
          el("strong", { text: code || valueText("complaints", "category", pr.category) }), el("span", { text: parts.join(" · ") }));
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
      fillReferenceFilters();
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
