/* The photo picker of the verification form: shows the chosen file's name next to the page's own button. */
(function () {
  "use strict";
  var input = document.getElementById("id_photo");
  var name = document.getElementById("photo-name");
  if (!input || !name) { return; }
  input.addEventListener("change", function () {
    name.textContent = input.files && input.files.length ? input.files[0].name : name.getAttribute("data-none");
  });
})();
