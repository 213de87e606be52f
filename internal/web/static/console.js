// The dispatcher's console: refresh the queue as soon as a case event
// arrives on the live stream (/api/v1/stream), besides htmx's poll every
// 30 s. The element marked data-live lists the event kinds; the queue
// listens for "gw-refresh" on the body. A file of its own, since the
// pages' Content-Security-Policy allows no inline script.
"use strict";
(function () {
  var el = document.querySelector("[data-live]");
  if (!el || !window.EventSource) {
    return;
  }
  var stream = new EventSource("/api/v1/stream");
  var pending = null;
  function refresh() {
    // Many events at once (a batch, the ticker) refresh the queue once.
    if (pending) {
      return;
    }
    pending = setTimeout(function () {
      pending = null;
      document.body.dispatchEvent(new CustomEvent("gw-refresh"));
    }, 800);
  }
  el.getAttribute("data-live").split(" ").forEach(function (kind) {
    if (kind) {
      stream.addEventListener(kind, refresh);
    }
  });
  window.addEventListener("pagehide", function () { stream.close(); });
})();
