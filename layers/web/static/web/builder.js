/* Writes the <iframe> code of the chosen embed view and shows a preview. */
(function () {
  "use strict";
  var form = document.getElementById("gp-builder");
  var code = document.getElementById("gp-builder-code");
  var preview = document.getElementById("gp-builder-preview");
  var range = document.getElementById("gp-builder-range");
  function clampInt(v, lo, hi, dflt) {
    var n = parseInt(v, 10);
    return isNaN(n) ? dflt : Math.max(lo, Math.min(hi, n));
  }
  function update() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    var layers = data.getAll("layers");
    if (layers.length) params.set("layers", layers.join(","));
    ["bbox", "center", "zoom"].forEach(function (k) {
      var v = String(data.get(k) || "").trim();
      if (v) params.set(k, v);
    });
    var time = String(data.get("time") || "");
    range.hidden = time !== "range";
    if (time === "range") {
      // Local times of Asia/Ho_Chi_Minh (UTC+7, no daylight saving); an open end is "..".
      var a = String(data.get("time_from") || ""), b = String(data.get("time_to") || "");
      if (a || b) params.set("time", (a ? a + ":00+07:00" : "..") + "/" + (b ? b + ":00+07:00" : ".."));
    } else if (time) {
      params.set("time", time);
    }
    var src = window.location.origin + "/embed/?" + params.toString().replace(/%2C/g, ",").replace(/%2F/g, "/").replace(/%3A/g, ":");
    var w = clampInt(data.get("width"), 200, 2000, 800);
    var h = clampInt(data.get("height"), 200, 2000, 500);
    // Built as a DOM element and serialised, so the attribute values are escaped by the browser.
    var frame = document.createElement("iframe");
    frame.setAttribute("src", src);
    frame.setAttribute("width", String(w));
    frame.setAttribute("height", String(h));
    frame.setAttribute("style", "border:0");
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("title", document.title);
    code.value = frame.outerHTML;
    while (preview.firstChild) preview.removeChild(preview.firstChild);
    preview.appendChild(frame);
  }
  var timer = null;
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 400); });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  update();
})();
