// The report form's map: tap to place the report, or use the device location; then look for
// open reports of the same category nearby. Text from the server is set with textContent only.
(function () {
  "use strict";
  var script = document.currentScript;
  var nearbyUrl = script.getAttribute("data-nearby");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var category = document.getElementById("id_category");
  var picked = document.getElementById("picked");
  var hint = document.getElementById("nearby-hint");
  var map = L.map("pick-map").setView([15.3, 108.18], 11);
  window.fbBasemap(map);
  var marker = null;

  function place(la, lo) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo]).addTo(map); }
    picked.textContent = la.toFixed(5) + ", " + lo.toFixed(5);
    lookNearby();
  }

  function lookNearby() {
    if (!lat.value || !lon.value || !category.value) { return; }
    var url = nearbyUrl + "?category=" + encodeURIComponent(category.value) +
      "&lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value);
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      hint.replaceChildren();
      var rows = (data && data.duplicates) || [];
      hint.hidden = rows.length === 0;
      if (!rows.length) { return; }
      var title = document.createElement("strong");
      title.textContent = hint.dataset.title || "Có thể đã có phản ánh tương tự trong 50 m:";
      hint.appendChild(title);
      rows.forEach(function (row) {
        var p = document.createElement("p");
        var a = document.createElement("a");
        a.href = row.url;
        a.textContent = row.tracking_code;
        p.appendChild(a);
        p.appendChild(document.createTextNode(" – " + row.description));
        hint.appendChild(p);
      });
    }).catch(function () { hint.hidden = true; });
  }

  function toggleOperator() {
    var show = category.value === "no_signal";
    document.querySelectorAll(".fb-operator, .fb-technology").forEach(function (el) { el.hidden = !show; });
  }

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      place(pos.coords.latitude, pos.coords.longitude);
      map.setView([pos.coords.latitude, pos.coords.longitude], 16);
    });
  });
  category.addEventListener("change", function () { toggleOperator(); lookNearby(); });
  toggleOperator();
  if (lat.value && lon.value) { place(parseFloat(lat.value), parseFloat(lon.value)); }
})();
