/* The small map of one fire alert: its footprint and hotspots over the district base map (online tiles,
   falling back to the platform's offline tiles when there is no internet). */
(function () {
  "use strict";
  var node = document.getElementById("fr-map");
  var dataNode = document.getElementById("fr-map-data");
  if (!node || !dataNode || !window.L) { return; }
  var data = JSON.parse(dataNode.textContent);
  var map = L.map(node, { scrollWheelZoom: false, tap: true });
  map.attributionControl.setPrefix(false);
  var footprint = L.geoJSON(data.footprint, {
    style: { color: "#b71c1c", weight: 2, fillColor: "#e53935", fillOpacity: 0.3 },
  });
  // The view first: vector layers and tiles need one before they are added.
  map.fitBounds(footprint.getBounds().pad(0.6), { maxZoom: 15 });
  var config = document.getElementById("fr-basemap");
  if (config) { window.gpBasemaps(map, JSON.parse(config.textContent)); }
  footprint.addTo(map);
  data.hotspots.forEach(function (h) {
    // Text only (bindTooltip with a string would be parsed as HTML).
    var label = document.createElement("span");
    label.textContent = h.label;
    L.circleMarker([h.lat, h.lon], {
      radius: 6, color: "#7f0000", weight: 1, fillColor: "#ff7043", fillOpacity: 0.95,
    }).bindTooltip(label).addTo(map);
  });
  window.fireEventMap = map;
})();
