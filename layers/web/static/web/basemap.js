/* The two base maps of every map page: an online tile URL, and the platform's own offline base map
   (DEM hillshade, contours, boundaries, rivers, village names) that takes over when online tiles fail. */
(function () {
  "use strict";
  // opts: {onlineUrl, offlineUrl, maxZoom, offlineAttribution, default: "online"|"offline"}; onFallback(): optional.
  window.gpBasemaps = function (map, opts, onFallback) {
    var offline = L.tileLayer(opts.offlineUrl, {
      maxZoom: opts.maxZoom, className: "gp-basemap-offline", attribution: opts.offlineAttribution,
    });
    var online = L.tileLayer(opts.onlineUrl, {
      maxZoom: opts.maxZoom, className: "gp-basemap-online", attribution: "© OpenStreetMap",
    });
    var loaded = 0;
    var failed = 0;
    online.on("tileload", function () { loaded++; });
    online.on("tileerror", function () {
      failed++;
      // No internet in the district (or the tile server is down): the platform's own base map.
      if (failed >= 2 && loaded === 0 && map.hasLayer(online)) {
        map.removeLayer(online);
        offline.addTo(map);
        if (onFallback) onFallback();
      }
    });
    (opts.default === "offline" ? offline : online).addTo(map);
    return { online: online, offline: offline };
  };
})();
