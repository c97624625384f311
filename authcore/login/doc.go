// Package login owns how people sign in to Latchkey: the users service
// (create, password, disable, unlock), password hashing with argon2id,
// account lockout, browser sessions, and the server-rendered login and
// consent pages that the authorization endpoint sends the browser to.
//
// The pages follow RFC 9700 and OAuth 2.1 browser hardening:
//
//   - Every page sends a strict Content-Security-Policy (no scripts, the
//     embedded stylesheet by hash, frame-ancestors 'none', base-uri 'none',
//     form-action limited to this server and the requesting client's
//     registered redirect origins), X-Frame-Options: DENY,
//     Referrer-Policy: no-referrer, Cache-Control: no-store and
//     X-Content-Type-Options: nosniff (RFC 9700 §4.16, §4.2.4).
//   - Every POST carries a CSRF token (a random value in a SameSite=Lax,
//     HttpOnly cookie echoed in a hidden field, compared in constant time).
//   - Every redirect is 303 See Other (RFC 9700 §4.12).
//   - The return address carried through login and consent is only ever a
//     relative "/authorize?..." path, checked on every hop, so the pages are
//     never an open redirector (RFC 9700 §4.11).
//   - A successful login always starts a new session (no fixation); the
//     cookie holds a random value and the store only its SHA-256.
//
// Passwords are stored as argon2id hashes in the PHC string format and
// compared in constant time. Unknown usernames cost the same hashing time
// as known ones. After Config.LockoutThreshold failures within
// Config.LockoutWindow an account is locked for Config.LockoutDuration; the
// page says only "Invalid username or password" while the audit log
// records the real reason.
//
// A Manager implements the oauth.Interaction interface (Session,
// RedirectToLogin, RedirectToConsent) and serves its pages through Mount.
package login
