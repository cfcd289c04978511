// The crossings on the map: a crossing's popup links to its page with the water-level chart.
(function () {
  "use strict";
  var gp = window.geoplatform;
  if (!gp || !gp.map) return;
  var me = document.currentScript;
  var words = { levels: (me && me.getAttribute("data-levels")) || "Xem mực nước" };
  gp.map.on("popupopen", function (e) {
    var root = e.popup.getElement();
    if (!root) return;
    root.querySelectorAll('.gp-popup[data-layer="crossings"][data-feature]').forEach(function (box) {
      if (box.querySelector(".cx-popup-link")) return;
      var id = box.getAttribute("data-feature");
      if (!/^\d+$/.test(id)) return;
      var a = document.createElement("a");
      a.className = "gp-popup-link cx-popup-link";
      a.href = "/crossings/" + id + "/";
      a.setAttribute("data-testid", "crossing-page-link");
      a.textContent = words.levels + " →";
      box.appendChild(a);
    });
  });
})();
