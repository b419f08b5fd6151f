// 签到屏幕: fetch the current code, its QR and the counts from the JSON feed every few seconds, and count
// the seconds down in between. Without JavaScript the page reloads itself (<noscript> meta refresh).
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-screen-url");
  var POLL_MS = 5000;
  var el = function (id) { return document.getElementById(id); };
  var seconds = parseInt((el("screen-seconds") || {}).textContent, 10) || 0;
  var timer = null;

  function show(data) {
    var open = !!data.open;
    root.setAttribute("data-state", data.state || "");
    root.querySelectorAll("[data-when=open]").forEach(function (n) { n.hidden = !open; });
    root.querySelectorAll("[data-when=closed]").forEach(function (n) { n.hidden = open; });
    el("screen-signed").textContent = data.signed;
    el("screen-expected").textContent = data.expected;
    el("screen-message").textContent = data.message || "";
    if (open) {
      if (el("screen-code").textContent !== data.code) {
        el("screen-code").textContent = data.code;
        el("screen-qr").src = data.qr;
      }
      seconds = data.seconds_left;
      el("screen-seconds").textContent = seconds;
    }
  }

  function poll() {
    clearTimeout(timer);
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(show)
      .catch(function () { /* the network is back soon; keep the last code on screen */ })
      .then(function () {
        var wait = seconds > 0 ? Math.min(POLL_MS, seconds * 1000 + 300) : POLL_MS;
        timer = setTimeout(poll, wait);
      });
  }

  setInterval(function () {
    if (seconds > 0) {
      seconds -= 1;
      var n = el("screen-seconds");
      if (n) { n.textContent = seconds; }
    }
  }, 1000);
  poll();
})();
