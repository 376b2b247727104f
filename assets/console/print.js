// The picking sheet's «Печать» button: the browser's own print dialog, A4 from the stylesheet.
// Opened from the board's «Печать» link (`?now=1`) the dialog comes at once: one click from the
// board to the printer.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) { return; }
  button.addEventListener("click", function () { window.print(); });
  if (/[?&]now=1(&|$)/.test(window.location.search)) {
    window.addEventListener("load", function () { window.print(); });
  }
})();
