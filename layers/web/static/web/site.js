/* The shared header: on a phone the pages, language and log-out sit behind the menu button. */
(function () {
  "use strict";
  var toggle = document.getElementById("gp-menu-toggle");
  var menu = document.getElementById("gp-menu");
  if (!toggle || !menu) return;
  function set(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("gp-menu-open", open);
  }
  toggle.addEventListener("click", function () { set(toggle.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") set(false); });
})();
