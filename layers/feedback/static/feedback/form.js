// The report form's place: tap the map, use the device location, or pick a commune then a village
// (the keyboard way); then look for open reports of the same category nearby. Text from the server
// is set with textContent only.
(function () {
  "use strict";
  var script = document.currentScript;
  var nearbyUrl = script.getAttribute("data-nearby");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var category = document.getElementById("id_category");
  var picked = document.getElementById("picked");
  var hint = document.getElementById("nearby-hint");
  var geoStatus = document.getElementById("geo-status");
  var commune = document.getElementById("id_commune");
  var village = document.getElementById("id_village");
  var summary = document.getElementById("fb-summary");
  var map = L.map("pick-map").setView([15.3, 108.18], 11);
  var extent = JSON.parse(document.getElementById("fb-extent").textContent);
  // The whole district in view, whatever the screen: a person starts from the place they know.
  if (extent) { map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]); }
  window.fbBasemap(map);
  var marker = null;

  function clearPlaceError() {
    var error = document.getElementById("place_error");
    if (error) { error.remove(); }
    commune.removeAttribute("aria-invalid");
    commune.removeAttribute("aria-describedby");
  }

  var outline = JSON.parse(document.getElementById("fb-outline").textContent) || [];
  var outside = document.getElementById("place-outside");
  // Even-odd ray casting over the district's rings: enough to warn at once; the server decides on submit.
  function inDistrict(la, lo) {
    if (!outline.length) { return true; }
    var inside = false;
    outline.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if ((yi > la) !== (yj > la) && lo < (xj - xi) * (la - yi) / (yj - yi) + xi) { inside = !inside; }
      }
    });
    return inside;
  }

  function place(la, lo) {
    clearPlaceError();
    outside.hidden = inDistrict(la, lo);
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo]).addTo(map); }
    picked.textContent = (picked.dataset.chosen || "") + " " + la.toFixed(5) + ", " + lo.toFixed(5);
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

  var chosen = document.getElementById("photos-chosen");
  document.getElementById("id_photos").addEventListener("change", function (e) {
    var n = (e.target.files && e.target.files.length) || 0;
    if (n) { chosen.textContent = n === 1 ? chosen.dataset.one : chosen.dataset.many.replace("%(n)s", n); }
  });
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

  map.on("click", function (e) { fromVillage = false; place(e.latlng.lat, e.latlng.lng); });
  function say(key) {
    geoStatus.textContent = geoStatus.dataset[key] || "";
    geoStatus.hidden = !geoStatus.textContent;
  }

  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { say("unsupported"); return; }
    say("searching");
    navigator.geolocation.getCurrentPosition(function (pos) {
      say("");
      fromVillage = false;
      place(pos.coords.latitude, pos.coords.longitude);
      map.setView([pos.coords.latitude, pos.coords.longitude], 16);
    }, function (err) {
      // Denied (or asked on a page without permission) is not the same fix as a GPS that found nothing.
      say(err && err.code === 1 ? "denied" : "unavailable");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // The village list shows the chosen commune's villages only; choosing a village places the report there.
  var allVillages = Array.prototype.slice.call(village.options, 1);
  function fillVillages() {
    var keep = village.value;
    while (village.options.length > 1) { village.remove(1); }
    allVillages.forEach(function (option) {
      if (!commune.value || option.dataset.commune === commune.value) { village.add(option); }
    });
    village.value = allVillages.some(function (o) { return o.value === keep && o.parentNode; }) ? keep : "";
  }
  var fromVillage = false;
  commune.addEventListener("change", function () {
    if (commune.value) { clearPlaceError(); }
    fillVillages();
    if (fromVillage && !village.value) {
      // The point came from a village of another commune: forget it (the server places the commune itself).
      fromVillage = false;
      lat.value = lon.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      picked.textContent = "";
    }
  });
  village.addEventListener("change", function () {
    var option = village.options[village.selectedIndex];
    if (!option || !option.value) { return; }
    if (commune.value !== option.dataset.commune) { commune.value = option.dataset.commune; fillVillages(); }
    var la = parseFloat(option.dataset.lat);
    var lo = parseFloat(option.dataset.lon);
    if (isFinite(la) && isFinite(lo)) { place(la, lo); fromVillage = true; map.setView([la, lo], 15); }
  });
  fillVillages();

  category.addEventListener("change", function () { toggleOperator(); lookNearby(); });
  toggleOperator();
  if (lat.value && lon.value) { place(parseFloat(lat.value), parseFloat(lon.value)); }
  // A field the person has just corrected no longer shows its old error.
  document.getElementById("report-form").addEventListener("change", function (e) {
    var field = e.target.closest(".fb-field");
    if (!field || !e.target.getAttribute("aria-invalid")) { return; }
    e.target.removeAttribute("aria-invalid");
    var error = field.querySelector(".fb-field-error");
    if (error) { error.remove(); }
  });

  // After a refused post, the summary of every error is read first.
  if (summary) { summary.focus(); }
})();
