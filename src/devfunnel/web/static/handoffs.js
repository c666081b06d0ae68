// Handoff SLA clocks (templates/work/handoffs.html): each <span class="sla" data-due=ISO>
// counts down to its due time every second, turns amber in its last two hours and red,
// counting up, once breached. The server renders the first state, so it reads without
// scripts too.
(function () {
  "use strict";
  var clocks = document.querySelectorAll(".sla[data-due]");
  if (!clocks.length) { return; }

  function span(ms) {
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (d > 0) { return d + "d " + h + "h " + two(m) + "m"; }
    if (h > 0) { return h + "h " + two(m) + "m " + two(sec) + "s"; }
    return m + "m " + two(sec) + "s";
  }

  function tick() {
    var now = Date.now();
    clocks.forEach(function (clock) {
      var left = Date.parse(clock.getAttribute("data-due")) - now;
      if (left > 0) {
        clock.textContent = span(left) + " left";
        clock.className = "sla " + (left < 2 * 3600 * 1000 ? "soon" : "ok");
      } else {
        clock.textContent = "SLA breached " + span(-left) + " ago";
        clock.className = "sla breached";
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
}());
