// Package oidc makes Latchkey an OpenID Connect provider on top of the
// OAuth 2.1 server in authcore/oauth. It owns:
//
//   - ID tokens (OIDC Core §2, §3.1.3.6, §3.1.3.7): iss, sub (the user's
//     stable id), aud and azp (the client), exp, iat, auth_time, nonce,
//     sid, acr and at_hash, signed with the client's
//     id_token_signed_response_alg (ES256 by default) under typ JWT;
//   - the claims request parameter (OIDC Core §5.5) and the profile and
//     email scopes (§5.4). A claim requested individually brings its
//     scope into the authorization request, so the user consents to it;
//     the id_token member moves claims into the ID token;
//   - the UserInfo endpoint (OIDC Core §5.3) with RFC 6750 bearer errors;
//   - the discovery document (OIDC Discovery 1.0 §3);
//   - browser sessions as the console sees them (listed by their public
//     sid, ended by user or administrator);
//   - RP-initiated logout (OIDC RP-Initiated Logout 1.0) at /end_session
//     and back-channel logout (OIDC Back-Channel Logout 1.0): a signed
//     logout token POSTed to each client's backchannel_logout_uri, in the
//     background, with bounded retries and an audit event per delivery.
//
// The authorization-endpoint parameters (prompt, max_age, id_token_hint,
// login_hint, acr_values) are enforced by authcore/oauth, which calls a
// Provider through its oauth.OpenID interface; the token-exchange grant
// (RFC 8693) lives there too. This package imports neither oauth nor
// login: it reaches them through the Signer and Sessions interfaces
// declared here, and authcore/server wires them together.
package oidc
