/* The two base maps of every map page: an online tile URL, and the platform's own offline base map
   (DEM hillshade, contours, boundaries, rivers, village names) that takes over when online tiles fail. */
(function () {
  "use strict";
  var CHOICE = "gp-basemap"; // the base map of this browser session: "online" or "offline"
  var TOLD = "gp-basemap-told"; // the fallback notice was shown in this session
  // A tile server that never answers would leave the map blank until the browser gives up (~20 s).
  var SILENT_MS = 3000;

  function recall(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; } // storage off: no memory
  }
  function remember(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { /* storage off: no memory */ }
  }

  // opts: {onlineUrl, offlineUrl, maxZoom, minZoom, offlineBounds, offlineAttribution, default: "online"|"offline"};
  // onFallback(): optional, called the first time in a session the offline base map takes over.
  window.gpBasemaps = function (map, opts, onFallback) {
    // Base maps in their own pane under the tile pane: every overlay, vector tiles included, draws above them.
    var pane = map.getPane("gp-basemap") || map.createPane("gp-basemap");
    pane.style.zIndex = 150;
    // The platform's own base map covers the district and its margin only: no tile is asked for outside it.
    var offlineOptions = {
      maxZoom: opts.maxZoom, className: "gp-basemap-offline", attribution: opts.offlineAttribution, pane: "gp-basemap",
    };
    if (opts.offlineBounds) offlineOptions.bounds = L.latLngBounds(opts.offlineBounds);
    if (opts.minZoom) offlineOptions.minZoom = opts.minZoom;
    var offline = L.tileLayer(opts.offlineUrl, offlineOptions);
    var online = L.tileLayer(opts.onlineUrl, {
      maxZoom: opts.maxZoom, className: "gp-basemap-online", attribution: "© OpenStreetMap", pane: "gp-basemap",
    });
    var loaded = 0;
    var failed = 0;
    var timer = null;

    function fallback() {
      clearTimeout(timer);
      if (!map.hasLayer(online)) return;
      // No internet in the district (or the tile server is down or silent): the platform's own base map.
      map.removeLayer(online);
      offline.addTo(map);
      remember(CHOICE, "offline");
      if (recall(TOLD)) return;
      remember(TOLD, "1");
      if (onFallback) onFallback();
    }
    online.on("tileload", function () { loaded++; clearTimeout(timer); });
    online.on("tileerror", function () {
      failed++;
      if (failed >= 2 && loaded === 0) fallback();
    });
    online.on("add", function () {
      clearTimeout(timer);
      if (!loaded) timer = setTimeout(function () { if (!loaded) fallback(); }, SILENT_MS);
    });
    online.on("remove", function () { clearTimeout(timer); });
    // A base map chosen in the switcher is kept for the session too.
    map.on("baselayerchange", function (e) {
      if (e.layer === online) remember(CHOICE, "online");
      else if (e.layer === offline) remember(CHOICE, "offline");
    });
    var chosen = recall(CHOICE) || opts.default;
    (chosen === "offline" ? offline : online).addTo(map);
    return { online: online, offline: offline };
  };
})();
