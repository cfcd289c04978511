// Flood on the main map: the satellite flood raster of one observation as tiles, and a time control that
// steps through the observations (/flood/observations.json). Loaded after web/map.js.
(function () {
  "use strict";
  var gp = window.geoplatform;
  if (!gp || !gp.map || !window.L) return;
  var me = document.currentScript;
  function word(name, fallback) { return (me && me.getAttribute("data-" + name)) || fallback; }
  var W = {
    title: word("title", "Ngập lụt (ảnh vệ tinh)"),
    state: word("state", "Vùng ngập"),
    likelihood: word("likelihood", "Xác suất ngập"),
    previous: word("previous", "Lần quan sát trước"),
    next: word("next", "Lần quan sát sau"),
    none: word("none", "Chưa có ảnh ngập"),
    flood: word("flood", "Ngập"),
    permanent: word("permanent", "Mặt nước thường xuyên"),
    unknown: word("unknown", "Không rõ (không có dữ liệu, bị loại trừ)"),
    km2: word("km2", "km² ngập"),
  };
  var map = gp.map;
  if (me && me.src) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = me.src.replace(/\.js(\?.*)?$/, ".css");
    document.head.appendChild(sheet);
  }
  var items = [];
  var index = -1;
  var kind = "flood";
  var layer = null;

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) { node.appendChild(kid); });
    return node;
  }
  function swatch(colour, hatched) {
    var s = el("span", { class: "gp-flood-swatch" + (hatched ? " gp-flood-hatched" : ""), "aria-hidden": "true" });
    s.style.backgroundColor = colour;
    return s;
  }

  var box = el("div", { class: "gp-flood leaflet-control leaflet-bar", "data-testid": "flood-control" });
  var toggle = el("input", { type: "checkbox", id: "gp-flood-on", "data-testid": "flood-toggle" });
  var head = el("label", { for: "gp-flood-on", class: "gp-flood-title" }, [toggle, el("span", { text: W.title })]);
  var choose = el("select", { "aria-label": W.title, "data-testid": "flood-kind" }, [
    el("option", { value: "flood", text: W.state }),
    el("option", { value: "flood-likelihood", text: W.likelihood }),
  ]);
  var prev = el("button", { type: "button", class: "gp-flood-step", "aria-label": W.previous, title: W.previous, "data-testid": "flood-prev", text: "◀" });
  var next = el("button", { type: "button", class: "gp-flood-step", "aria-label": W.next, title: W.next, "data-testid": "flood-next", text: "▶" });
  var when = el("output", { class: "gp-flood-when", "aria-live": "polite", "data-testid": "flood-when", text: W.none });
  var figures = el("div", { class: "gp-flood-figures", "data-testid": "flood-figures" });
  var key = el("div", { class: "gp-flood-key" }, [
    el("span", {}, [swatch("rgba(21,101,192,0.8)"), el("span", { text: W.flood })]),
    el("span", {}, [swatch("rgba(128,203,196,0.6)"), el("span", { text: W.permanent })]),
    el("span", {}, [swatch("rgba(97,97,97,0.6)", true), el("span", { text: W.unknown })]),
  ]);
  var body = el("div", { class: "gp-flood-body", hidden: "hidden" }, [choose, el("div", { class: "gp-flood-time" }, [prev, when, next]), figures, key]);
  box.appendChild(head);
  box.appendChild(body);

  var Control = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });
  new Control().addTo(map);

  function show() {
    if (layer) { map.removeLayer(layer); layer = null; }
    var item = items[index];
    prev.disabled = index <= 0;
    next.disabled = index < 0 || index >= items.length - 1;
    if (!item) { when.textContent = W.none; figures.textContent = ""; return; }
    when.textContent = item.label;
    figures.textContent = item.product + " · " + item.flooded_km2 + " " + W.km2;
    choose.querySelector('option[value="flood-likelihood"]').disabled = !item.likelihood;
    var shown = kind === "flood-likelihood" && !item.likelihood ? "flood" : kind;
    box.setAttribute("data-observation", String(item.id));
    if (!toggle.checked) return;
    layer = L.tileLayer("/tiles/raster/" + shown + "/" + item.id + "/{z}/{x}/{y}.png", {
      minZoom: 8, maxZoom: 19, maxNativeZoom: 17, opacity: 1, zIndex: 350, className: "gp-flood-tiles",
    }).addTo(map);
  }
  function load() {
    return fetch("/flood/observations.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { observations: [] }; })
      .then(function (data) {
        items = Array.isArray(data.observations) ? data.observations : [];
        index = items.length - 1;
        show();
      })
      .catch(function () { items = []; index = -1; show(); });
  }
  toggle.addEventListener("change", function () {
    if (toggle.checked) body.removeAttribute("hidden"); else body.setAttribute("hidden", "hidden");
    show();
  });
  choose.addEventListener("change", function () { kind = choose.value; show(); });
  prev.addEventListener("click", function () { if (index > 0) { index -= 1; show(); } });
  next.addEventListener("click", function () { if (index < items.length - 1) { index += 1; show(); } });
  load();
  gp.flood = { reload: load, step: function (d) { index = Math.max(0, Math.min(items.length - 1, index + d)); show(); } };
})();
