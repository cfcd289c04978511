// The queue's map: markers from the filtered GeoJSON; popups built with textContent (no HTML from data).
(function () {
  "use strict";
  var el = document.getElementById("queue-map");
  var map = L.map(el).setView([15.3, 108.18], 11);
  window.fbBasemap(map);
  fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var overdue = feature.properties.overdue;
        return L.circleMarker(latlng, { radius: 7, color: overdue ? "#c62828" : "#f9a825", fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        var box = document.createElement("div");
        var a = document.createElement("a");
        a.href = el.dataset.detail + encodeURIComponent(p.tracking_code) + "/";
        a.textContent = p.tracking_code + " · " + (p.status_name || p.status);
        var kind = document.createElement("p");
        kind.textContent = p.category_name || p.category;
        var text = document.createElement("p");
        text.textContent = p.description;
        box.appendChild(a);
        box.appendChild(kind);
        box.appendChild(text);
        marker.bindPopup(box);
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
  });
})();
