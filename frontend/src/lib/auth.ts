// Browser sign-in for the console: the authorization code flow with PKCE
// (S256) against Latchkey itself, as the public client "latchkey-console".
// The Wails window needs none of this: it reaches Go through bindings.
//
// The access token lives in sessionStorage (this tab only) and goes out as
// `Authorization: Bearer` on every console API call; a 401 starts a new
// sign-in, which the server's SSO session makes quick.

/** What GET <base>/console/api/config tells the console (Go: consoleConfig). */
export interface ConsoleConfig {
  auth: 'oauth' | 'none'
  issuer: string
  client_id: string
  redirect_uri: string
  scope: string
  first_run: boolean
}

const TOKEN = 'latchkey.console.token'
const STATE = 'latchkey.console.state'
const VERIFIER = 'latchkey.console.verifier'
const RETURN = 'latchkey.console.return'

/** Reads the console's login parameters; a server without them needs none. */
export async function loadConfig(base: string, fetchFn: typeof fetch = (...a) => fetch(...a)): Promise<ConsoleConfig> {
  const res = await fetchFn(`${base}/console/api/config`, { headers: { Accept: 'application/json' } })
  if (res.status === 404) {
    return { auth: 'none', issuer: '', client_id: '', redirect_uri: '', scope: '', first_run: false }
  }
  if (!res.ok) throw new Error(`the server answered ${res.status} for its console settings`)
  return (await res.json()) as ConsoleConfig
}

/** The access token of this tab, if signed in (none where there is no storage). */
export function accessToken(storage?: Storage): string | null {
  const st = storage ?? (typeof sessionStorage === 'undefined' ? undefined : sessionStorage)
  return st?.getItem(TOKEN) ?? null
}

/** Forgets the access token (sign out, or a token the server refused). */
export function signOut(storage: Storage = sessionStorage): void {
  storage.removeItem(TOKEN)
}

/** base64url of bytes, without padding (RFC 7636 §4.1, App. A). */
export function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A fresh 256-bit random value, base64url: a verifier or a state. */
export function randomValue(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

/** The S256 code challenge of verifier (RFC 7636 §4.2). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

/** Sends the browser to Latchkey's authorization endpoint. */
export async function beginLogin(cfg: ConsoleConfig, storage: Storage = sessionStorage, go = (u: string) => window.location.assign(u)): Promise<void> {
  const verifier = randomValue()
  const state = randomValue()
  storage.setItem(VERIFIER, verifier)
  storage.setItem(STATE, state)
  storage.setItem(RETURN, window.location.hash || '#/dashboard')
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.client_id,
    redirect_uri: cfg.redirect_uri,
    scope: cfg.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  })
  go(`${cfg.issuer}/authorize?${q}`)
}

/**
 * Finishes a sign-in when the page is the redirect back from /authorize:
 * checks state and iss (RFC 9207), redeems the code with the verifier, keeps
 * the token and cleans the address bar. Returns false when the page is not
 * a redirect back.
 */
export async function completeLogin(cfg: ConsoleConfig, search: string, storage: Storage = sessionStorage,
  fetchFn: typeof fetch = (...a) => fetch(...a)): Promise<boolean> {
  const q = new URLSearchParams(search)
  if (!q.has('code') && !q.has('error')) return false
  const state = storage.getItem(STATE)
  const verifier = storage.getItem(VERIFIER)
  storage.removeItem(STATE)
  storage.removeItem(VERIFIER)
  if (q.get('error')) throw new Error(`sign-in refused: ${q.get('error_description') || q.get('error')}`)
  if (!state || q.get('state') !== state) throw new Error('sign-in answer does not match this tab (state); try again')
  if (q.get('iss') !== cfg.issuer) throw new Error('sign-in answer came from another issuer; refused')
  const res = await fetchFn(`${cfg.issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: q.get('code') ?? '', redirect_uri: cfg.redirect_uri,
      client_id: cfg.client_id, code_verifier: verifier ?? '',
    }),
  })
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string }
  if (!res.ok || !body.access_token) {
    throw new Error(`sign-in failed: ${body.error_description || body.error || res.status}`)
  }
  storage.setItem(TOKEN, body.access_token)
  return true
}

/** Where to go after a sign-in: the screen the user was on. */
export function returnHash(storage: Storage = sessionStorage): string {
  const h = storage.getItem(RETURN) || '#/dashboard'
  storage.removeItem(RETURN)
  return h
}
