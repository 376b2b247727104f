// The live board: listens to the server's events and fetches the table again when an order of
// this store changed; posts the pickers' taps itself and puts the answer in place; counts down
// to each order's promised assembly time from the server's clock, never the device's. No
// framework, nothing loaded from elsewhere.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var source = board.getAttribute("data-events");
  var table = board.getAttribute("data-table");
  var sound = document.querySelector("[data-sound]");
  var tapError = document.querySelector("[data-tap-error]");
  var known = null;
  // The server's time minus the device's, from the last table the server drew.
  var skew = 0;

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

  function readSkew() {
    var view = board.querySelector("[data-now]");
    var now = view ? Number(view.getAttribute("data-now")) : NaN;
    if (!isNaN(now)) { skew = now - Date.now(); }
  }

  // The same words and colours as the server's `board_rows::countdown`.
  function span(minutes) {
    if (minutes >= 60) {
      var rest = minutes % 60;
      return Math.floor(minutes / 60) + " ч " + (rest < 10 ? "0" : "") + rest + " мин";
    }
    return minutes + " мин";
  }

  var DUE_SOON_MS = 10 * 60 * 1000;

  function countdown() {
    var now = Date.now() + skew;
    var cells = board.querySelectorAll("[data-due]");
    for (var i = 0; i < cells.length; i++) {
      var cell = cells[i];
      var left = Number(cell.getAttribute("data-due")) - now;
      var text;
      var state;
      if (left <= 0) {
        text = "просрочен на " + span(Math.max(1, Math.ceil(-left / 60000)));
        state = "overdue";
      } else {
        text = "осталось " + span(Math.ceil(left / 60000));
        state = left <= DUE_SOON_MS ? "due-soon" : "";
      }
      var words = cell.querySelector("[data-left]");
      if (words && words.textContent !== text) { words.textContent = text; }
      cell.classList.toggle("overdue", state === "overdue");
      cell.classList.toggle("due-soon", state === "due-soon");
    }
  }

  function show(html) {
    var before = known || ids();
    board.innerHTML = html;
    var after = ids();
    var arrived = false;
    for (var id in after) { if (!before[id]) { arrived = true; } }
    known = after;
    readSkew();
    countdown();
    if (arrived || board.querySelector("[data-alarm]")) { beep(); }
    board.setAttribute("data-refreshed", String(Date.now()));
  }

  function refresh() {
    fetch(table, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Console-Fragment": "1" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { window.location.reload(); }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) { show(html); } });
  }

  function say(words) {
    if (!tapError) { return; }
    tapError.textContent = words;
    tapError.hidden = !words;
  }

  // A tap: posted here, so that the board stays where it is; the answer is the store's table,
  // or the refusal in words (someone else took the order a moment earlier).
  board.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-tap")) { return; }
    event.preventDefault();
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Console-Fragment": "1", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (response) {
      if (response.status === 401) { window.location.reload(); return null; }
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }).then(function (answer) {
      if (answer === null) { return; }
      if (answer.ok) { say(""); show(answer.text); } else { say(answer.text); refresh(); }
    }).catch(function () {
      say("Нет связи с сервером: попробуйте ещё раз.");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
    });
  });

  known = ids();
  readSkew();
  countdown();
  window.setInterval(countdown, 1000);
  var events = new EventSource(source);
  events.addEventListener("changed", refresh);
  // After a dropped connection the browser reconnects by itself; what changed meanwhile is
  // fetched at once.
  events.addEventListener("open", refresh);
})();
