// The base map under the report form and the queue map (web/basemap.js: online tiles, falling back to
// the platform's own offline tiles when they fail), configured by the page's "fb-basemap" JSON.
(function () {
  "use strict";
  window.fbBasemap = function (map) {
    var node = document.getElementById("fb-basemap");
    if (!node) { return; }
    window.gpBasemaps(map, JSON.parse(node.textContent));
  };
})();
