/* The small map of an OGC API HTML page: the features of the page, fitted, without a base map
   (the page must work offline; the full map is the place for base maps). */
(function () {
  "use strict";
  var data = document.getElementById("gp-ogc-features");
  var box = document.getElementById("gp-ogc-map");
  if (!data || !box || !window.L) return;
  var collection = JSON.parse(data.textContent);
  var map = L.map(box, { attributionControl: false });
  var layer = L.geoJSON(collection, {
    pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 6, color: "#12355b" }); },
    style: function () { return { color: "#12355b", weight: 2, fillOpacity: 0.2 }; },
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { maxZoom: 16, padding: [12, 12] });
  } else {
    map.setView([15.3, 108.2], 10); // the district, when the page holds no feature
  }
  box.dataset.features = String(collection.features.length);
})();
