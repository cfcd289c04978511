/* Camera popups for staff: status from the checks, uptime over 24 h / 7 / 30 days, the latest snapshot.
   Loaded only for staff (layers/cameras/templatetags); the data comes from a staff-only JSON view. */
(function () {
  "use strict";
  var me = document.currentScript;
  var healthUrl = me && me.getAttribute("data-health-url");
  var mapBox = document.getElementById("map");
  if (!healthUrl || !mapBox || !window.MutationObserver) return;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function relayout() {
    var gp = window.geoplatform;
    var popup = gp && gp.map && gp.map._popup;
    if (popup && popup.isOpen && popup.isOpen()) popup.update();
  }

  function render(box, info) {
    var w = info.words || {};
    var part = el("div", { "class": "cm-popup", "data-testid": "camera-health" });
    var status = el("div", { "class": "cm-status", "data-status": info.status, "data-testid": "camera-status" },
      (w.checked || "") + " " + info.status_words + (info.since ? " · " + (w.since || "") + " " + info.since_text : ""));
    part.appendChild(status);
    if (info.reason_words) part.appendChild(el("div", { "class": "cm-reason" }, info.reason_words));
    var table = el("table", { "class": "cm-uptime", "data-testid": "camera-uptime" });
    table.appendChild(el("caption", null, w.uptime || ""));
    var head = el("tr"), body = el("tr");
    info.uptime.forEach(function (u) {
      head.appendChild(el("th", { scope: "col" }, u.label));
      body.appendChild(el("td", { "data-window": u.window }, u.value));
    });
    var thead = el("thead"), tbody = el("tbody");
    thead.appendChild(head);
    tbody.appendChild(body);
    table.appendChild(thead);
    table.appendChild(tbody);
    part.appendChild(table);
    if (info.snapshot) {
      var fig = el("figure", { "data-testid": "camera-snapshot" });
      var img = el("img", { src: info.snapshot.url, alt: w.snapshotAlt || "", width: String(info.snapshot.width), height: String(info.snapshot.height) });
      img.addEventListener("load", relayout);
      fig.appendChild(img);
      fig.appendChild(el("figcaption", null, (w.takenAt || "") + " " + info.snapshot.taken_at_text));
      part.appendChild(fig);
    }
    part.appendChild(el("a", { href: info.page, "class": "gp-popup-link" }, (w.page || "") + " →"));
    box.appendChild(part);
    relayout();
  }

  function enrich(box) {
    if (box.getAttribute("data-camera-health")) return;
    var id = box.getAttribute("data-feature");
    if (!/^\d+$/.test(id || "")) return;
    box.setAttribute("data-camera-health", "loading");
    fetch(healthUrl.replace("{id}", id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.status === 200 ? r.json() : null; })
      .then(function (info) {
        box.setAttribute("data-camera-health", info && info.tracked ? "shown" : "none");
        if (info && info.tracked && box.isConnected) render(box, info);
      })
      .catch(function () { box.setAttribute("data-camera-health", "none"); });
  }

  new MutationObserver(function () {
    var found = mapBox.querySelectorAll('.gp-popup[data-layer="cameras"][data-feature]:not([data-camera-health])');
    Array.prototype.forEach.call(found, enrich);
  }).observe(mapBox, { childList: true, subtree: true });
})();
