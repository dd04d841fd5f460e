// The chair's turn timer: counts down the seconds of the current speaking turn.
// htmx redraws the speaking order every few seconds; the timer starts again from each redraw.
(function () {
  "use strict";
  var pending = null;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function start() {
    if (pending !== null) {
      window.clearTimeout(pending);
      pending = null;
    }
    var timer = document.querySelector("[data-timer]");
    if (!timer) {
      return;
    }
    var seconds = parseInt(timer.getAttribute("data-seconds"), 10);
    var started = parseInt(timer.getAttribute("data-started"), 10);
    var now = parseInt(timer.getAttribute("data-now"), 10);
    // Seconds spoken when the server drew the turn, by the server's clock (the phone's clock
    // may be wrong); after that, the time the page has been open.
    var spoken = now - started;
    if (!isFinite(spoken) || spoken < 0) {
      spoken = 0;
    }
    var loaded = Date.now() / 1000;
    function tick() {
      var left = seconds - Math.floor(spoken + Date.now() / 1000 - loaded);
      if (left <= 0) {
        timer.textContent = timer.getAttribute("data-time-up-text");
        timer.setAttribute("data-time-up", "");
        return;
      }
      timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      pending = window.setTimeout(tick, 1000);
    }
    tick();
  }

  start();
  document.addEventListener("htmx:afterSettle", start);
})();
