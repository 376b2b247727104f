// The live board: listens to the server's events and fetches the table again when an order of
// this store changed. No framework, nothing loaded from elsewhere.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var source = board.getAttribute("data-events");
  var table = board.getAttribute("data-table");
  var sound = document.querySelector("[data-sound]");
  var known = null;

  function ids() {
    var rows = board.querySelectorAll("[data-order]");
    var seen = {};
    for (var i = 0; i < rows.length; i++) { seen[rows[i].getAttribute("data-order")] = true; }
    return seen;
  }

  function beep() {
    if (!sound || !sound.checked) { return; }
    try {
      var context = new (window.AudioContext || window.webkitAudioContext)();
      var tone = context.createOscillator();
      tone.frequency.value = 880;
      tone.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.25);
    } catch (e) { /* no sound on this device */ }
  }

  function refresh() {
    fetch(table, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Console-Fragment": "1" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { window.location.reload(); }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var before = known || ids();
        board.innerHTML = html;
        var after = ids();
        var arrived = false;
        for (var id in after) { if (!before[id]) { arrived = true; } }
        known = after;
        if (arrived) { beep(); }
        board.setAttribute("data-refreshed", String(Date.now()));
      });
  }

  known = ids();
  var events = new EventSource(source);
  events.addEventListener("changed", refresh);
  // After a dropped connection the browser reconnects by itself; what changed meanwhile is
  // fetched at once.
  events.addEventListener("open", refresh);
})();
