// Latchkey account page: keeps the list of pending sign-in requests from
// applications (CIBA) current. Every five seconds it asks which requests
// are pending and reloads the page when that changed, unless the person
// is typing in a field. Served as a static file and allowed by a CSP
// nonce; without it the page works and shows new requests on reload.
"use strict";
(function () {
  function shown() {
    return Array.from(document.querySelectorAll('input[name="request"]'), function (i) {
      return i.value;
    }).sort().join(" ");
  }
  async function check() {
    const active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA") && active.value) {
      return;
    }
    try {
      const res = await fetch("/account/backchannel", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) {
        return;
      }
      const body = await res.json();
      const pending = (body.requests || []).slice().sort().join(" ");
      if (pending !== shown()) {
        window.location.assign("/account");
      }
    } catch (e) {
      // offline or signed out: try again at the next tick
    }
  }
  window.setInterval(check, 5000);
})();
