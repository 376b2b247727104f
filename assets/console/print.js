// The picking sheet's «Печать» button: the browser's own print dialog, A4 from the stylesheet.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) { return; }
  button.addEventListener("click", function () { window.print(); });
})();
