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

/* On a desktop an operator's links can outgrow the header's one row: the current page is scrolled
   into view, and a button pages through the links that do not fit (then back to the first ones). */
(function () {
  "use strict";
  var nav = document.querySelector(".gp-nav");
  var more = document.getElementById("gp-nav-more");
  if (!nav || !more) return;
  function hidden() { return nav.scrollWidth - nav.clientWidth - nav.scrollLeft; }
  function update() {
    var overflowing = nav.scrollWidth > nav.clientWidth + 1 && getComputedStyle(nav).flexDirection === "row";
    more.hidden = !overflowing;
    var end = hidden() <= 1;
    more.toggleAttribute("data-end", end);
    more.setAttribute("aria-label", end ? more.dataset.first : more.dataset.next);
    more.title = more.getAttribute("aria-label");
  }
  more.addEventListener("click", function () {
    var left = hidden() <= 1 ? 0 : nav.scrollLeft + nav.clientWidth * 0.8;
    nav.scrollTo({left: left, behavior: "smooth"});
  });
  nav.addEventListener("scroll", update, {passive: true});
  window.addEventListener("resize", update);
  var current = nav.querySelector("[aria-current=page]");
  if (current && getComputedStyle(nav).flexDirection === "row") {
    nav.scrollLeft = Math.max(0, current.offsetLeft - nav.offsetLeft - nav.clientWidth / 2);
  }
  update();
})();
