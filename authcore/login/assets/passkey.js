// Latchkey passkeys: the browser half of the WebAuthn ceremonies on the
// login and account pages. Served as a static file and allowed by a CSP
// nonce; the pages work without it except for passkeys.
"use strict";
(function () {
  const status = document.getElementById("passkey-status");
  function fail(text) {
    if (status) {
      status.textContent = text;
      status.hidden = false;
    }
  }
  async function post(url, fields) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(fields),
    });
    let body = {};
    try {
      body = await res.json();
    } catch (e) {
      body = {};
    }
    if (body.redirect && (!res.ok || !body.options)) {
      window.location.assign(body.redirect);
      return null;
    }
    if (!res.ok) {
      throw new Error(body.error || "The server refused the passkey.");
    }
    return body;
  }
  function supported() {
    return window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON;
  }
  async function run(form, begin, finish, extra, ceremony) {
    if (!supported()) {
      fail("This browser does not support passkeys.");
      return;
    }
    const csrf = form.dataset.csrf;
    try {
      const start = await post(begin, Object.assign({ csrf_token: csrf }, extra));
      if (!start) return;
      const cred = await ceremony(start.options);
      const done = await post(finish, Object.assign({ csrf_token: csrf, credential: JSON.stringify(cred.toJSON()) }, extra));
      if (done && done.redirect) window.location.assign(done.redirect);
    } catch (e) {
      fail(e && e.name === "NotAllowedError" ? "The passkey was not used." : (e && e.message) || "Passkey failed.");
    }
  }
  const signin = document.getElementById("passkey-signin");
  if (signin) {
    signin.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const extra = { return_to: signin.dataset.returnTo || "" };
      run(signin, "/login/passkey/options", "/login/passkey", extra, function (options) {
        return navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      });
    });
  }
  // The second-factor page: the form carries the request options and
  // posts the assertion in its "response" field.
  document.querySelectorAll('form[data-kind="webauthn"]').forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      if (form.elements.response.value) return;
      ev.preventDefault();
      if (!supported()) {
        fail("This browser does not support passkeys.");
        return;
      }
      try {
        const options = JSON.parse(form.dataset.options);
        const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        form.elements.response.value = JSON.stringify(cred.toJSON());
        form.submit();
      } catch (e) {
        fail(e && e.name === "NotAllowedError" ? "The passkey was not used." : "Passkey failed.");
      }
    });
  });
  const add = document.getElementById("passkey-add");
  if (add) {
    add.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const extra = { name: add.elements.name.value };
      run(add, "/account/passkeys/options", "/account/passkeys", extra, function (options) {
        return navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      });
    });
  }
})();
