/* Writes the <iframe> code of the chosen embed view: the view taken from a small map, bad input explained next to its
   field (no code is written until it is fixed), a copy button, and a preview. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("gp-builder-config").textContent);
  var E = cfg.errors;
  var T = cfg.strings;
  var form = document.getElementById("gp-builder");
  var code = document.getElementById("gp-builder-code");
  var codeNote = document.getElementById("gp-builder-code-note");
  var copy = document.getElementById("gp-builder-copy");
  var copyStatus = document.getElementById("gp-builder-copy-status");
  var preview = document.getElementById("gp-builder-preview");
  var range = document.getElementById("gp-builder-range");
  var bboxInput = document.getElementById("gp-builder-bbox");

  /* ---------- the checks of layers.web.viewparams, said in words ---------- */
  function numbers(text, count) {
    var parts = text.split(",");
    if (parts.length !== count) return null;
    var out = parts.map(function (p) { return p.trim() === "" ? NaN : Number(p); });
    return out.every(isFinite) ? out : null;
  }
  function checkBbox(text) {
    var v = numbers(text, 4);
    if (!v) return E.bboxCount;
    var w = v[0], s = v[1], e = v[2], n = v[3];
    if (-180 <= w && w < e && e <= 180 && -90 <= s && s < n && n <= 90) return null;
    // 15.1,107.9,15.4,108.4: latitude first, the usual slip.
    if (Math.abs(s) > 90 && Math.abs(w) <= 90) return E.bboxSwapped;
    return E.bboxOrder;
  }
  function checkCenter(text) {
    var v = numbers(text, 2);
    if (!v) return E.centerCount;
    return -90 <= v[0] && v[0] <= 90 && -180 <= v[1] && v[1] <= 180 ? null : E.centerRange;
  }
  function checkZoom(text) {
    return /^\d+$/.test(text) && Number(text) <= cfg.maxZoom ? null : E.zoom;
  }
  function checkSize(text) {
    return /^\d+$/.test(text) && Number(text) >= 200 && Number(text) <= 2000 ? null : E.size;
  }

  function showError(field, message) {
    var box = form.querySelector("[data-error-for='" + field + "']");
    if (box) box.textContent = message || "";
    var inputs = field === "width" ? ["width", "height"] : field === "time_to" ? ["time_from", "time_to"] : [field];
    inputs.forEach(function (name) {
      var input = form.elements[name];
      if (!input) return;
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  }

  /* ---------- the code ---------- */
  function read() {
    var data = new FormData(form);
    var value = function (k) { return String(data.get(k) || "").trim(); };
    var errors = {};
    var params = new URLSearchParams();
    var layers = data.getAll("layers");
    if (layers.length) params.set("layers", layers.join(","));
    var checks = { bbox: checkBbox, center: checkCenter, zoom: checkZoom };
    ["bbox", "center", "zoom"].forEach(function (k) {
      var v = value(k).replace(/\s+/g, "");
      if (!v) return;
      var problem = checks[k](v);
      if (problem) errors[k] = problem;
      else params.set(k, v);
    });
    var time = value("time");
    range.hidden = time !== "range";
    if (time === "range") {
      // Local times of Asia/Ho_Chi_Minh (UTC+7, no daylight saving); an open end is "..".
      var a = value("time_from"), b = value("time_to");
      if (a && b && a >= b) errors.time_to = E.timeOrder;
      else if (a || b) params.set("time", (a ? a + ":00+07:00" : "..") + "/" + (b ? b + ":00+07:00" : ".."));
    } else if (time) {
      params.set("time", time);
    }
    var sizeProblem = checkSize(value("width")) || checkSize(value("height"));
    if (sizeProblem) errors.width = sizeProblem;
    return { params: params, errors: errors, width: value("width"), height: value("height") };
  }

  function update() {
    var view = read();
    ["bbox", "center", "zoom", "time_to", "width"].forEach(function (k) { showError(k, view.errors[k]); });
    drawChosen();
    var bad = Object.keys(view.errors);
    if (bad.length) {
      // Nothing half written: no code and no copy until every field is right.
      code.value = "";
      codeNote.textContent = T.noCode;
      codeNote.hidden = false;
      copy.disabled = true;
      return;
    }
    codeNote.hidden = true;
    copy.disabled = false;
    var query = view.params.toString().replace(/%2C/g, ",").replace(/%2F/g, "/").replace(/%3A/g, ":");
    var src = window.location.origin + "/embed/?" + query;
    // Built as a DOM element and serialised, so the attribute values are escaped by the browser.
    var frame = document.createElement("iframe");
    frame.setAttribute("src", src);
    frame.setAttribute("width", view.width);
    frame.setAttribute("height", view.height);
    frame.setAttribute("style", "border:0");
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("title", T.frameTitle);
    if (code.value === frame.outerHTML) return;
    code.value = frame.outerHTML;
    while (preview.firstChild) preview.removeChild(preview.firstChild);
    preview.appendChild(frame);
    fitPreview();
  }

  // The preview is the portal's frame at its own size, scaled down to the room there is (a phone): the whole
  // view is seen, laid out as the portal will lay it out, and nothing is cut off at the right edge.
  function fitPreview() {
    var frame = preview.querySelector("iframe");
    if (!frame) return;
    var w = Number(frame.getAttribute("width"));
    var h = Number(frame.getAttribute("height"));
    var scale = Math.min(1, preview.clientWidth / w);
    frame.style.width = w + "px";
    frame.style.height = h + "px";
    frame.style.transform = scale < 1 ? "scale(" + scale.toFixed(4) + ")" : "";
    preview.style.height = Math.ceil(h * scale) + "px";
    preview.setAttribute("data-scale", scale.toFixed(2));
  }
  window.addEventListener("resize", fitPreview);

  /* ---------- the small map: the view is taken from it, the chosen box is drawn on it ---------- */
  var map = null;
  var chosen = null;
  var mapBox = document.getElementById("gp-builder-map");
  if (window.L && mapBox) {
    map = L.map(mapBox, { zoomSnap: 1, maxZoom: cfg.maxZoom, attributionControl: true });
    window.gpBasemaps(map, cfg.basemap);
    var d = cfg.districtBbox;
    map.fitBounds([[d[1], d[0]], [d[3], d[2]]]);
  }
  function drawChosen() {
    if (!map) return;
    var text = bboxInput.value.replace(/\s+/g, "");
    if (chosen) { map.removeLayer(chosen); chosen = null; }
    if (!text || checkBbox(text)) return;
    var v = numbers(text, 4);
    chosen = L.rectangle([[v[1], v[0]], [v[3], v[2]]], { color: "#d84315", weight: 2, fill: false, interactive: false })
      .addTo(map);
    // A typed box out of sight: the map goes to it, so that the editor sees what the portal will show.
    if (!map.getBounds().pad(0.05).contains(chosen.getBounds())) map.fitBounds(chosen.getBounds());
  }
  function round(x) { return Math.round(x * 10000) / 10000; }
  document.getElementById("gp-builder-take-view").addEventListener("click", function () {
    if (!map) return;
    var b = map.getBounds();
    bboxInput.value = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(round).join(",");
    copyStatus.textContent = T.viewTaken;
    update();
  });

  /* ---------- copy ---------- */
  function copiedBySelection() {
    code.focus();
    code.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  copy.addEventListener("click", function () {
    var text = code.value;
    copyStatus.textContent = "";
    if (!text) return;
    var done = function () { copyStatus.textContent = T.copied; };
    var failed = function () { copyStatus.textContent = copiedBySelection() ? T.copied : T.copyFailed; };
    // The asynchronous clipboard needs a secure page (https or localhost); elsewhere the selection is copied.
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, failed);
    else failed();
  });

  var timer = null;
  form.addEventListener("input", function () { copyStatus.textContent = ""; clearTimeout(timer); timer = setTimeout(update, 400); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(update, 50); });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  window.geoplatformBuilder = { map: map };
  update();
})();
