// The receipt: copy the tracking code, or share it where the device can (navigator.share).
(function () {
  "use strict";
  var copy = document.getElementById("copy-code");
  var share = document.getElementById("share-code");
  var status = document.getElementById("copy-status");
  if (!copy) { return; }
  var code = copy.dataset.code;

  function fallbackCopy() {
    // Older phones and pages without clipboard permission: select a hidden field and copy it.
    var field = document.createElement("textarea");
    field.value = code;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    field.remove();
    return ok;
  }

  copy.addEventListener("click", function () {
    var done = function () { status.textContent = status.dataset.done; };
    var failed = function () { status.textContent = fallbackCopy() ? status.dataset.done : status.dataset.failed; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code).then(done, failed);
    } else {
      failed();
    }
  });

  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: share.dataset.title, text: share.dataset.text, url: window.location.origin + window.location.pathname })
        .catch(function () { /* the person closed the share sheet: nothing to say */ });
    });
  }
})();
