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

  // The GPS position in a JPEG's EXIF (the server strips EXIF; only this position is used, to pre-fill).
  function exifGps(buffer) {
    var v = new DataView(buffer);
    if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) { return null; }
    var at = 2;
    while (at + 4 <= v.byteLength) {
      var marker = v.getUint16(at);
      var size = v.getUint16(at + 2);
      if (marker === 0xFFE1 && v.getUint32(at + 4) === 0x45786966) { return tiffGps(v, at + 10); }
      if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) { return null; }
      at += 2 + size;
    }
    return null;
  }

  function tiffGps(v, base) {
    try {
      var little = v.getUint16(base) === 0x4949;
      var u16 = function (o) { return v.getUint16(base + o, little); };
      var u32 = function (o) { return v.getUint32(base + o, little); };
      var entry = function (ifd, tag) {
        for (var i = 0, n = u16(ifd); i < n; i++) {
          if (u16(ifd + 2 + i * 12) === tag) { return ifd + 2 + i * 12; }
        }
        return null;
      };
      var pointer = entry(u32(4), 0x8825);
      if (pointer === null) { return null; }
      var gps = u32(pointer + 8);
      var angle = function (tag) {
        var e = entry(gps, tag);
        if (e === null) { return NaN; }
        var o = u32(e + 8);
        var part = function (k) { return u32(o + 8 * k) / u32(o + 8 * k + 4); };
        return part(0) + part(1) / 60 + part(2) / 3600;
      };
      var ref = function (tag) {
        var e = entry(gps, tag);
        return e === null ? "" : String.fromCharCode(v.getUint8(base + e + 8));
      };
      var la = angle(2) * (ref(1) === "S" ? -1 : 1);
      var lo = angle(4) * (ref(3) === "W" ? -1 : 1);
      if (!isFinite(la) || !isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) { return null; }
      return [la, lo];
    } catch (err) { return null; }  // a malformed block: no position, the photo is still sent
  }

  document.getElementById("id_photos").addEventListener("change", function (e) {
    var file = e.target.files && e.target.files[0];
    if (!file || (lat.value && lon.value) || !file.slice) { return; }
    file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
      var pos = exifGps(buffer);
      if (pos && !(lat.value && lon.value)) {
        place(pos[0], pos[1]);
        map.setView(pos, 16);
        picked.textContent += " " + (picked.dataset.fromPhoto || "");
      }
    });
  });

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
