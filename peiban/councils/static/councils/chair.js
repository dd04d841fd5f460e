// The chair's turn timer: counts down the seconds of the current speaking turn.
(function () {
  "use strict";
  var timer = document.querySelector("[data-timer]");
  if (!timer) {
    return;
  }
  var seconds = parseInt(timer.getAttribute("data-seconds"), 10);
  var started = parseInt(timer.getAttribute("data-started"), 10);
  // The server's clock says when the turn began; count from the page's own clock after that.
  var offset = Date.now() / 1000 - started;
  var loaded = Date.now() / 1000;
  if (!isFinite(offset) || offset < 0 || offset > seconds * 10) {
    offset = 0;
  }
  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }
  function tick() {
    var elapsed = Math.floor(offset + Date.now() / 1000 - loaded);
    var left = seconds - elapsed;
    if (left <= 0) {
      timer.textContent = timer.getAttribute("data-time-up-text");
      timer.setAttribute("data-time-up", "");
      return;
    }
    timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    window.setTimeout(tick, 1000);
  }
  tick();
})();
