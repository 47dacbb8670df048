// The "Cite this claim" box: a Copy button beside each format, where the browser lets a
// page write to the clipboard. Without JavaScript the read-only text boxes still work:
// a click in one selects all of it.
(function () {
  "use strict";
  document.querySelectorAll(".cite textarea[readonly]").forEach(function (box) {
    box.addEventListener("focus", function () { box.select(); });
  });
  if (!navigator.clipboard || !navigator.clipboard.writeText) {
    return;
  }
  document.querySelectorAll(".cite button.copy[data-copy]").forEach(function (button) {
    var box = document.getElementById(button.dataset.copy);
    var label = document.querySelector('label[for="' + button.dataset.copy + '"]');
    if (!box) {
      return;
    }
    button.setAttribute("aria-label", "Copy " + (label ? label.textContent : "citation"));
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(box.value).then(
        function () {
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
        },
        function () { box.focus(); }
      );
    });
  });
})();
