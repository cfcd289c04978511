// An officer's complaint page: the place on a small map, and the rejection fields only when rejecting.
(function () {
  "use strict";
  var el = document.getElementById("detail-map");
  var lat = parseFloat(el.dataset.lat);
  var lon = parseFloat(el.dataset.lon);
  var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], 14);
  window.fbBasemap(map);
  // A ring and a dot: visible on the hillshade and on OpenStreetMap alike.
  L.circleMarker([lat, lon], { radius: 12, color: "#b71c1c", weight: 4, fillColor: "#e53935", fillOpacity: 0.9 }).addTo(map);
  window.fbDetailMap = map;

  var action = document.getElementById("id_action");
  var reject = document.getElementById("fb-reject");
  if (action && reject) {
    var toggle = function () { reject.hidden = action.value !== "reject"; };
    action.addEventListener("change", toggle);
    toggle();
  }
})();
