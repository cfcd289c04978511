// The base map under the report form and the queue map: the online tiles, falling back to the
// platform's own offline tiles (DEM hillshade with communes, rivers and villages) when they fail.
(function () {
  "use strict";
  window.fbBasemap = function (map) {
    var node = document.getElementById("fb-basemap");
    if (!node) { return; }
    var cfg = JSON.parse(node.textContent);
    var offline = L.tileLayer(cfg.offlineUrl, { maxZoom: cfg.maxZoom, attribution: cfg.offlineAttribution });
    var online = L.tileLayer(cfg.onlineUrl, { maxZoom: cfg.maxZoom, attribution: "© OpenStreetMap" });
    var loaded = 0;
    var failed = 0;
    online.on("tileload", function () { loaded++; });
    online.on("tileerror", function () {
      failed++;
      // No internet in the village (or the tile server is down): the district's own base map.
      if (failed >= 2 && loaded === 0 && map.hasLayer(online)) {
        map.removeLayer(online);
        offline.addTo(map);
      }
    });
    (cfg.default === "offline" ? offline : online).addTo(map);
  };
})();
