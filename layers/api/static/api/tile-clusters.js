/* Aggregated vector tiles on the map: grid clusters drawn by their count, and a note saying so.
 * A tile holding more features than it may (see layers/api/mvt.py) carries one point per grid
 * cell with `point_count`; map.js hands those to clusterStyle. */
(function () {
  "use strict";
  var gp = window.geoplatform;
  var script = document.currentScript;
  if (!gp || !gp.map || !script) return;
  var words = script.dataset;
  var seen = {}; // layer title -> true, for the tiles drawn at the current zoom

  var Note = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      var div = L.DomUtil.create("div", "gp-aggregated-note leaflet-bar");
      div.setAttribute("role", "status");
      div.style.cssText = "background:#fff;padding:4px 8px;max-width:18rem;font-size:13px;display:none";
      L.DomEvent.disableClickPropagation(div);
      return div;
    },
  });
  var note = new Note().addTo(gp.map);

  var pending = null;
  function show() {
    pending = null;
    var names = Object.keys(seen);
    var div = note.getContainer();
    if (!names.length) { div.style.display = "none"; div.textContent = ""; return; }
    div.textContent = names.join(", ") + ": " + words.aggregated;
    div.style.display = "";
  }

  gp.map.on("zoomstart", function () { seen = {}; show(); });
  gp.map.on("overlayremove", function () { seen = {}; if (!pending) pending = setTimeout(show, 200); });

  gp.clusterStyle = function (meta, props, base) {
    var n = Number(props.point_count) || 1;
    var title = meta.title || meta.name || meta.slug;
    if (!seen[title]) { seen[title] = true; if (!pending) pending = setTimeout(show, 200); }
    // Area grows with the count, so a cell of 1,000 reads larger than one of 10 without hiding its neighbours.
    var radius = Math.min(16, 3 + 2.2 * Math.log10(n + 1) * 2);
    return L.extend({}, base, { radius: radius, fill: true, fillOpacity: 0.55, weight: 1 });
  };
})();
