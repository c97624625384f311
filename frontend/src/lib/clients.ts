// The rules of the client form, kept out of the view: what each kind of
// application should be registered as (the secure default), how a client
// becomes form input and back, and the checks worth making before Go does.
import type { Client, ClientInput } from './api'

export const GRANT_CODE = 'authorization_code'
export const GRANT_REFRESH = 'refresh_token'
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials'
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
export const GRANT_CIBA = 'urn:openid:params:grant-type:ciba'

/** Every grant a client can be registered for, with what it is for. */
export const GRANTS: { value: string; label: string; help: string; confidentialOnly: boolean }[] = [
  { value: GRANT_CODE, label: 'Authorization code (with PKCE)', help: 'A person signs in in a browser; the app gets tokens for them. PKCE is always required.', confidentialOnly: false },
  { value: GRANT_REFRESH, label: 'Refresh token', help: 'Keeps a session going without signing in again; refresh tokens rotate on every use.', confidentialOnly: false },
  { value: GRANT_CLIENT_CREDENTIALS, label: 'Client credentials', help: 'A service acts as itself, with no person involved.', confidentialOnly: true },
  { value: GRANT_TOKEN_EXCHANGE, label: 'Token exchange (RFC 8693)', help: 'Trades one token for another, e.g. for a downstream API.', confidentialOnly: true },
  { value: GRANT_JWT_BEARER, label: 'JWT bearer (RFC 7523)', help: 'Trades a signed assertion from a trusted issuer for a token.', confidentialOnly: true },
  { value: GRANT_CIBA, label: 'Backchannel authentication (CIBA)', help: 'The app asks for a person by name (a call centre, a kiosk); the person approves on their Latchkey account page.', confidentialOnly: true },
]

/** How a confidential client proves who it is at the token endpoint. */
export const AUTH_METHODS: { value: string; label: string }[] = [
  { value: 'client_secret_basic', label: 'Client secret, HTTP Basic (client_secret_basic)' },
  { value: 'client_secret_post', label: 'Client secret in the form (client_secret_post)' },
  { value: 'private_key_jwt', label: 'Signed JWT with its own key (private_key_jwt)' },
]

export type AppKind = 'spa' | 'native' | 'web' | 'service'

/** The kinds of application the form offers, each with its secure registration. */
export const APP_KINDS: { value: AppKind; label: string; help: string }[] = [
  { value: 'spa', label: 'Single-page app (browser)', help: 'Public client: no secret (a browser cannot keep one), authorization code + PKCE.' },
  { value: 'native', label: 'Native, mobile or desktop app', help: 'Public client with a loopback or custom-scheme redirect (RFC 8252), authorization code + PKCE.' },
  { value: 'web', label: 'Web app with a server', help: 'Confidential client: the server keeps a secret, authorization code + PKCE.' },
  { value: 'service', label: 'Service or script (no user)', help: 'Confidential client using client credentials; no redirect.' },
]

/** The form input for a new client of a kind: the secure choice for it. */
export function presetFor(kind: AppKind, name = ''): ClientInput {
  const base: ClientInput = {
    client_name: name,
    client_type: 'public',
    redirect_uris: [],
    grant_types: [GRANT_CODE, GRANT_REFRESH],
    scope: 'openid profile email',
    audience: [],
    token_endpoint_auth_method: 'none',
    jwks: '',
    access_token_ttl: 0,
    refresh_token_ttl: 0,
    id_token_signed_response_alg: '',
    authorization_signed_response_alg: '',
    post_logout_redirect_uris: [],
    backchannel_logout_uri: '',
    backchannel_logout_session_required: false,
    frontchannel_logout_uri: '',
    frontchannel_logout_session_required: false,
    require_mfa: false,
    authorization_details_types: [],
    subject_type: 'public',
    sector_identifier_uri: '',
    backchannel_token_delivery_mode: '',
    backchannel_client_notification_endpoint: '',
  }
  switch (kind) {
    case 'spa':
      return { ...base, redirect_uris: ['https://app.example.com/callback'] }
    case 'native':
      return { ...base, redirect_uris: ['http://127.0.0.1/callback'] }
    case 'web':
      return { ...base, client_type: 'confidential', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://app.example.com/oauth/callback'] }
    case 'service':
      return { ...base, client_type: 'confidential', token_endpoint_auth_method: 'client_secret_basic', grant_types: [GRANT_CLIENT_CREDENTIALS], scope: '' }
  }
}

/** The form input that keeps a registered client as it is. */
export function inputFromClient(c: Client): ClientInput {
  return {
    client_name: c.client_name,
    client_type: c.client_type === 'public' ? 'public' : 'confidential',
    redirect_uris: [...(c.redirect_uris ?? [])],
    grant_types: [...(c.grant_types ?? [])],
    scope: c.scope ?? '',
    audience: [...(c.audience ?? [])],
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    jwks: c.jwks ?? '',
    access_token_ttl: c.access_token_ttl ?? 0,
    refresh_token_ttl: c.refresh_token_ttl ?? 0,
    id_token_signed_response_alg: c.id_token_signed_response_alg ?? '',
    authorization_signed_response_alg: c.authorization_signed_response_alg ?? '',
    post_logout_redirect_uris: [...(c.post_logout_redirect_uris ?? [])],
    backchannel_logout_uri: c.backchannel_logout_uri ?? '',
    backchannel_logout_session_required: c.backchannel_logout_session_required ?? false,
    frontchannel_logout_uri: c.frontchannel_logout_uri ?? '',
    frontchannel_logout_session_required: c.frontchannel_logout_session_required ?? false,
    require_mfa: c.require_mfa ?? false,
    authorization_details_types: [...(c.authorization_details_types ?? [])],
    subject_type: c.subject_type === 'pairwise' ? 'pairwise' : 'public',
    sector_identifier_uri: c.sector_identifier_uri ?? '',
    backchannel_token_delivery_mode: c.backchannel_token_delivery_mode ?? '',
    backchannel_client_notification_endpoint: c.backchannel_client_notification_endpoint ?? '',
  }
}

/** Lines or commas to a list, blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Field name -> what is wrong with it, in words. Go checks again; this catches the obvious early. */
export function checkClientInput(input: ClientInput): Record<string, string> {
  const errs: Record<string, string> = {}
  if (input.client_name.trim() === '') errs.client_name = 'Give the client a name people will recognise on the consent page.'
  const code = input.grant_types.includes(GRANT_CODE)
  if (input.grant_types.length === 0) errs.grant_types = 'Choose at least one grant.'
  if (code && input.redirect_uris.length === 0) errs.redirect_uris = 'The authorization code grant needs at least one redirect URI.'
  for (const u of input.redirect_uris) {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(u)) {
      errs.redirect_uris = `"${u}" is not an absolute URI (e.g. https://app.example.com/callback).`
      break
    }
    if (u.includes('#')) {
      errs.redirect_uris = `"${u}" has a fragment; redirect URIs must not.`
      break
    }
  }
  if (input.client_type === 'public') {
    const bad = GRANTS.filter((g) => g.confidentialOnly && input.grant_types.includes(g.value))
    if (bad.length > 0) errs.grant_types = `A public client cannot use ${bad.map((g) => g.label).join(', ')}: it has no secret to prove who it is.`
  }
  const ciba = input.grant_types.includes(GRANT_CIBA)
  if (ciba && input.backchannel_token_delivery_mode !== 'poll' && input.backchannel_token_delivery_mode !== 'ping') {
    errs.ciba = 'Backchannel authentication needs a token delivery mode: poll or ping.'
  } else if (ciba && input.backchannel_token_delivery_mode === 'ping' && !/^https?:\/\//.test(input.backchannel_client_notification_endpoint)) {
    errs.ciba = 'The ping mode needs the client’s notification endpoint (https).'
  } else if (!ciba && (input.backchannel_token_delivery_mode !== '' || input.backchannel_client_notification_endpoint !== '')) {
    errs.ciba = 'The token delivery mode is for clients with the backchannel authentication grant.'
  }
  if (input.token_endpoint_auth_method === 'private_key_jwt' && input.jwks.trim() === '') {
    errs.jwks = 'private_key_jwt needs the client’s public keys (a JWKS).'
  }
  if (input.jwks.trim() !== '') {
    try {
      const j = JSON.parse(input.jwks) as { keys?: unknown }
      if (!Array.isArray(j.keys)) errs.jwks = 'A JWKS is a JSON object with a "keys" array.'
    } catch {
      errs.jwks = 'The JWKS is not valid JSON.'
    }
  }
  if (input.access_token_ttl < 0 || input.refresh_token_ttl < 0) errs.ttl = 'Lifetimes cannot be negative.'
  return errs
}

/** Short words for a client's grants, for the list. */
export function grantLabel(g: string): string {
  switch (g) {
    case GRANT_CODE:
      return 'code + PKCE'
    case GRANT_REFRESH:
      return 'refresh'
    case GRANT_CLIENT_CREDENTIALS:
      return 'client credentials'
    case GRANT_TOKEN_EXCHANGE:
      return 'token exchange'
    case GRANT_JWT_BEARER:
      return 'JWT bearer'
    default:
      return g
  }
}

/** Whether a client matches a search text (name, id, redirect URIs, scope). */
export function clientMatches(c: Client, q: string): boolean {
  const s = q.trim().toLowerCase()
  if (s === '') return true
  return [c.client_name, c.client_id, c.scope, ...(c.redirect_uris ?? [])].some((v) => (v ?? '').toLowerCase().includes(s))
}

/** The console's own client (re-registered at every start): not edited or deleted from the console. */
export function isConsoleClient(c: Client): boolean {
  return c.client_id === 'latchkey-console'
}
