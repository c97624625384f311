// The one way the console's views reach Go.
//
// In the Wails window, Wails injects the bound methods of the Go struct
// app.App as window.go.app.App.<Method>(...args), each returning a Promise.
// In a browser (latchkey serve, page under /console/) there is no window.go,
// and the same method is called as
//
//   POST <base>/console/api/<Method>   Content-Type: application/json
//   body: JSON array of the arguments
//   2xx:  {"result": ...}      otherwise: {"error": "message"}
//
// Views never call fetch or window.go themselves: they call `api.<op>()` and
// show the Error it throws, whose message is meant for a person.

import { accessToken } from './auth'

/** What the Dashboard shows about the running instance (Go: app.Status). */
export interface Status {
  /** The issuer URL, e.g. "http://127.0.0.1:8421". */
  issuer: string
  /** Addresses the server listens on, e.g. ["127.0.0.1:8421"]. */
  addresses: string[]
  /** Whether the listeners serve TLS. */
  tls: boolean
  /** The data directory holding the Badger store. */
  dataDir: string
  /** Where records live: "badger DIR" or a postgres:// URL, its password masked by the server. */
  store?: string
  /** When this instance started, RFC 3339. */
  startedAt: string
  /** Seconds since start, measured by the server when it answered. */
  uptimeSeconds: number
  version: string
  /** The OpenID Provider Configuration document's URL. */
  discoveryURL: string
  /** The JWKS URL. */
  jwksURL: string
  /** "desktop" in the Wails window, "serve" for `latchkey serve`. */
  mode: 'desktop' | 'serve'
}

/** An operation failed; `message` says why, in words. */
export class ApiError extends Error {
  /** The Go method that was called. */
  readonly method: string
  /** The HTTP status, in a browser; undefined in the Wails window. */
  readonly status?: number

  constructor(method: string, message: string, status?: number) {
    super(message)
    this.name = 'ApiError'
    this.method = method
    this.status = status
  }
}

/** Calls one Go method with its arguments and resolves to its result. */
export type Transport = (method: string, args: unknown[]) => Promise<unknown>

type BoundMethod = (...args: unknown[]) => Promise<unknown>

interface WailsWindow {
  go?: { app?: { App?: Record<string, BoundMethod | undefined> } }
}

/** The bound methods Wails injected, or undefined outside the window. */
export function wailsBindings(
  w: unknown = typeof window === 'undefined' ? undefined : window,
): Record<string, BoundMethod | undefined> | undefined {
  return (w as WailsWindow | undefined)?.go?.app?.App
}

/**
 * Opens a URL outside the console: the system browser from the Wails window
 * (its runtime's BrowserOpenURL), a new tab in a browser.
 */
export function openExternal(url: string, w: unknown = typeof window === 'undefined' ? undefined : window): void {
  const rt = (w as { runtime?: { BrowserOpenURL?: (u: string) => void } } | undefined)?.runtime
  if (wailsBindings(w) !== undefined && typeof rt?.BrowserOpenURL === 'function') rt.BrowserOpenURL(url)
  else (w as Window | undefined)?.open(url, '_blank', 'noopener')
}

/** A transport over the Wails bindings. A Go error rejects with its text. */
export function wailsTransport(
  bindings: () => Record<string, BoundMethod | undefined> | undefined = () => wailsBindings(),
): Transport {
  return async (method, args) => {
    const fn = bindings()?.[method]
    if (typeof fn !== 'function') {
      throw new ApiError(method, `The desktop app does not offer "${method}". Is the app up to date?`)
    }
    try {
      return await fn(...args)
    } catch (err) {
      throw new ApiError(method, messageOf(err))
    }
  }
}

/**
 * The path prefix the console's server lives under, derived from the page's
 * path: "/console/#/x" -> "", "/lk/console/" -> "/lk", "/" (vite dev) -> "".
 */
export function basePath(pathname: string): string {
  const i = pathname.indexOf('/console/')
  if (i >= 0) return pathname.slice(0, i)
  if (pathname.endsWith('/console')) return pathname.slice(0, -'/console'.length)
  return ''
}

/**
 * A transport over HTTP: POST <base>/console/api/<method>, with the
 * console's access token when it has one. A 401 calls onUnauthorized (the
 * console then signs in again).
 */
export function httpTransport(base: string, fetchFn: typeof fetch = (...a) => fetch(...a),
  token: () => string | null = () => null, onUnauthorized: () => void = () => {}): Transport {
  return async (method, args) => {
    const url = `${base}/console/api/${encodeURIComponent(method)}`
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' }
    const t = token()
    if (t) headers.Authorization = `Bearer ${t}`
    let res: Response
    try {
      res = await fetchFn(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(args),
        credentials: 'same-origin',
      })
    } catch (err) {
      throw new ApiError(method, `Could not reach the Latchkey server: ${messageOf(err)}`)
    }
    const text = await res.text()
    let body: unknown
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      body = undefined
    }
    const obj = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : undefined
    if (res.status === 401) onUnauthorized()
    if (!res.ok) {
      const msg = typeof obj?.error === 'string' && obj.error !== '' ? obj.error : `the server answered ${res.status} ${res.statusText}`.trim()
      throw new ApiError(method, msg, res.status)
    }
    if (obj === undefined || !('result' in obj)) {
      throw new ApiError(method, `The server's answer to ${method} was not understood (expected {"result": …}).`, res.status)
    }
    return obj.result
  }
}

/** Called when the server refuses the console's token; set by main.ts. */
export const session = { onUnauthorized: () => {} }

/** Picks the transport for where the console runs, at call time. */
export function autoTransport(): Transport {
  const wails = wailsTransport()
  return (method, args) => {
    if (wailsBindings() !== undefined) return wails(method, args)
    return httpTransport(basePath(window.location.pathname), undefined, () => accessToken(),
      () => session.onUnauthorized())(method, args)
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'string') return err
  try {
    return JSON.stringify(err)
  } catch {
    return String(err)
  }
}

// ---------------------------------------------------------------------------
// DTOs. Field names are exactly the Go json tags (package app and the types
// it re-exports); times are RFC 3339 strings, empty or absent when unset.

/** One bucket of a Dashboard series (Go: monitor.Point). */
export interface Point {
  t: string
  v: number
}

/** A Dashboard chart: counts per bucket, oldest first (Go: app.Series). */
export interface Series {
  name: 'tokens_issued' | 'failures' | 'gateway_traffic' | string
  step_seconds: number
  points: Point[]
}

/** An alert a monitoring rule raised (Go: monitor.Alert). */
export interface Alert {
  time: string
  rule: string
  key?: string
  count?: number
  message: string
}

/** Who the console acts as (Go: app.Me). */
export interface Me {
  actor: string
}

/** A registered client (Go: app.Client). `client_secret` is set only in the answer that creates or rotates it. */
export interface Client {
  client_id: string
  client_secret?: string
  client_name: string
  client_type: 'confidential' | 'public' | string
  redirect_uris: string[]
  grant_types: string[]
  scope: string
  audience: string[]
  token_endpoint_auth_method: string
  access_token_ttl: number
  refresh_token_ttl: number
  jwks?: string
  id_token_signed_response_alg?: string
  post_logout_redirect_uris: string[]
  backchannel_logout_uri?: string
  backchannel_logout_session_required?: boolean
  previous_secret_valid: boolean
  previous_secret_expires_at?: string
  created_at: string
  updated_at: string
}

/** What the client form sends (Go: app.ClientInput, RFC 7591 names). */
export interface ClientInput {
  client_name: string
  client_type: 'confidential' | 'public'
  redirect_uris: string[]
  grant_types: string[]
  /** Space-separated. */
  scope: string
  audience: string[]
  token_endpoint_auth_method: string
  jwks: string
  /** Seconds; 0 keeps the server default. */
  access_token_ttl: number
  refresh_token_ttl: number
  id_token_signed_response_alg: string
  post_logout_redirect_uris: string[]
  backchannel_logout_uri: string
  backchannel_logout_session_required: boolean
}

/** A user (Go: app.User); never the password hash. */
export interface User {
  id: string
  username: string
  email: string
  display_name: string
  admin: boolean
  disabled: boolean
  locked: boolean
  locked_until?: string
  created_at: string
}

/** What the user form sends (Go: app.UserInput). */
export interface UserInput {
  username: string
  email: string
  display_name: string
  password: string
  admin: boolean
}

/** A browser session (Go: app.Session). `id` is an opaque handle for endSession. */
export interface Session {
  id: string
  sid: string
  user_id: string
  auth_time: string
  expires_at: string
  remote_addr?: string
  user_agent: string
}

/** What a user allowed a client (Go: app.Consent). */
export interface Consent {
  client_id: string
  scopes: string[]
  created_at: string
}

/** A registered scope (Go: app.Scope). */
export interface Scope {
  name: string
  description: string
  created_at: string
}

/** A signing key's place in its life (Go: authcore.KeyState). */
export type KeyState = 'next' | 'active' | 'retired' | 'revoked'

/** A signing key (Go: app.Key). */
export interface Key {
  kid: string
  alg: string
  state: KeyState | string
  created_at: string
  activated_at?: string
  retired_at?: string
  remove_after?: string
  revoked_at?: string
  /** When a staged rotation makes this next key active. */
  promote_at?: string
  live_tokens: number
}

/** One authorization that issued tokens, with its refresh-token family (Go: app.Grant). */
export interface Grant {
  id: string
  client_id: string
  user_id: string
  scope: string
  audience: string[]
  created_at: string
  expires_at: string
  access_tokens: number
  /** The keys that signed the grant's live access tokens. */
  kids: string[]
  revoked: boolean
  revoked_at?: string
  revoked_reason?: string
}

/** Narrows listGrants; empty fields match everything (Go: app.GrantFilter). */
export interface GrantFilter {
  client_id: string
  user_id: string
  scope: string
  /** Grants with a live access token signed by this key. */
  kid?: string
  include_revoked: boolean
}

/** What the console shows about a pasted token (Go: app.TokenInspection). */
export interface TokenInspection {
  format: 'jwt' | 'opaque' | string
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  /** "valid", "invalid: …" or "not checked". */
  signature: string
  active: boolean
  reason?: string
  expires_at?: string
}

/** A route's rate limits: "N/s", "N/m" or "N/h" (Go: gateway.RateLimit). */
export interface RateLimit {
  per_client?: string
  per_ip?: string
  burst?: number
}

/** A route's cross-origin policy (Go: gateway.CORS). */
export interface Cors {
  origins: string[]
  headers?: string[]
  allow_credentials?: boolean
  max_age_seconds?: number
}

/** A gateway route (Go: gateway.Route, the standalone gateway file's shape). */
export interface Route {
  name?: string
  prefix: string
  host?: string
  methods?: string[]
  upstream?: string
  strip_prefix?: boolean
  scopes?: string[]
  any_scopes?: string[]
  audience?: string
  clients?: string[]
  rate_limit?: RateLimit
  max_body_bytes?: number
  keep_authorization?: boolean
  identity_headers?: string[]
  cors?: Cors
  revocation_fail_open?: boolean
  introspect?: boolean
}

/** A route's counters since the gateway started (Go: gateway.RouteStats). */
export interface RouteStats {
  route: string
  allowed: number
  /** Refusals by reason. */
  denied: Record<string, number> | null
  upstream: number
  upstream_errors: number
  mean_latency_ns: number
  /** What the last exchange or probe with the upstream said. */
  health: 'up' | 'down' | 'unknown' | string
  last_ok?: string
  last_failure?: string
}

/** The outcome of checking a route's upstream (Go: gateway.ProbeResult). */
export interface ProbeResult {
  route: string
  /** The upstream probed, or "in-process" for built-in routes. */
  target: string
  health: 'up' | 'down' | string
  /** The upstream's HTTP status: any status means it answered. */
  status?: number
  latency_ms: number
  error?: string
}

/** Selects audit events; empty fields match everything (Go: app.AuditFilter). */
export interface AuditFilter {
  from: string
  to: string
  types: string[]
  /** "", "success" or "failure". */
  outcome: string
  client_id: string
  subject: string
  remote_addr?: string
  /** A gjson expression over the event, e.g. details.scope%"*admin*". */
  expr: string
  limit: number
  cursor?: string
}

/** One stored audit event (Go: audit.Entry, the Event's fields inline). */
export interface AuditEvent {
  seq: number
  prev_hash: string
  time: string
  type: string
  outcome: 'success' | 'failure' | string
  actor?: string
  subject?: string
  client_id?: string
  key_id?: string
  reason?: string
  remote_addr?: string
  user_agent?: string
  request_id?: string
  details?: Record<string, unknown>
  hash: string
}

/** One page of events, newest first; `next` continues it (Go: app.AuditPage). */
export interface AuditPage {
  events: AuditEvent[]
  next: string
}

/** The result of walking the audit hash chain (Go: app.AuditVerify). */
export interface AuditVerify {
  ok: boolean
  checked: number
  /** Index entries checked against the chain. */
  indexed: number
  /** altered, removed, reordered, or index (an index disagrees with the chain). */
  problem?: string
  seq?: number
  detail?: string
}

/** The flows the tester runs (Go: flow.Flow* constants). */
export type FlowKind =
  | 'authorization_code'
  | 'client_credentials'
  | 'refresh'
  | 'device'
  | 'token_exchange'
  | 'introspect'
  | 'revoke'
  | 'userinfo'
  | 'call_api'
  | 'federation'

/** One run of the flow tester (Go: app.FlowInput). Issuer defaults to this server. */
export interface FlowInput {
  issuer: string
  client_id: string
  client_secret: string
  flow: FlowKind | string
  scope: string
  resource: string
  audience: string
  api_url: string
  token: string
  refresh_token: string
  reveal_secrets: boolean
  /** OIDC prompt of the code flows ('login' signs in again). */
  prompt: string
  /** The federation flow: the external OpenID provider and the client registered there. */
  external_issuer: string
  external_client_id: string
  external_client_secret: string
  external_scope: string
}

/** An HTTP exchange of a flow step, secrets masked unless revealed (Go: flow.Request / flow.Response). */
export interface FlowRequest {
  method: string
  url: string
  header?: Record<string, string[]>
  body?: string
}
export interface FlowResponse {
  status: number
  header?: Record<string, string[]>
  body?: string
}

/** A token a flow obtained, decoded (Go: flow.Token). */
export interface FlowToken {
  name: string
  value: string
  format: string
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  expires_at?: string
  lifetime_seconds?: number
  signature?: { verified: boolean; alg?: string; kid?: string; detail?: string }
}

/** One thing the client did (Go: flow.Step). */
export interface FlowStep {
  name: string
  kind: string
  started: string
  elapsed_ms: number
  request?: FlowRequest
  response?: FlowResponse
  checks?: { name: string; ok: boolean; detail?: string }[]
  tokens?: FlowToken[]
  notes?: string[]
  error?: string
}

/** A lint finding (Go: flow.Finding). */
export interface FlowFinding {
  rule: string
  severity: string
  message: string
  spec: string
}

/** The full record of a finished run (Go: flow.Trace). */
export interface FlowTrace {
  flow: string
  issuer: string
  client_id: string
  client_auth?: string
  external_issuer?: string
  external_client_id?: string
  elapsed_ms: number
  steps: FlowStep[]
  tokens?: FlowToken[]
  findings?: FlowFinding[]
  error?: string
}

/** A flow kept for re-running: parameters, never tokens; the secret only if asked (Go: flow.SavedFlow). */
export interface SavedFlow {
  name: string
  issuer: string
  client_id: string
  client_secret?: string
  keep_secret?: boolean
  auth_method?: string
  flow: string
  scope?: string
  resource?: string
  audience?: string
  redirect_uri?: string
  api_url?: string
  prompt?: string
  external_issuer?: string
  external_client_id?: string
  external_client_secret?: string
  external_scope?: string
  saved?: string
}

/** A trusted external OpenID provider; never its client secret (Go: app.IdentityProvider). */
export interface IdentityProvider {
  id: string
  issuer: string
  display_name: string
  client_id?: string
  has_client_secret: boolean
  audiences: string[]
  algorithms: string[]
  sub_claim?: string
  email_claim?: string
  name_claim?: string
  groups_claim?: string
  scopes: string[]
  resources: string[]
  /** "create" (first sign-in makes a user) or "refuse". */
  provisioning: string
  enabled: boolean
  /** What to register at the provider for brokered login. */
  redirect_uri: string
  created_at: string
  updated_at: string
}

/** A provider to add, or the fields to change: absent fields are left as they are (Go: app.IdentityProviderSpec). */
export interface IdentityProviderSpec {
  id?: string
  issuer?: string
  display_name?: string
  client_id?: string
  client_secret?: string
  audiences?: string[]
  algorithms?: string[]
  sub_claim?: string
  email_claim?: string
  name_claim?: string
  groups_claim?: string
  scopes?: string[]
  resources?: string[]
  provisioning?: string
  enabled?: boolean
}

/** What a connection test found at an issuer (Go: federation.ConnectionReport). */
export interface ConnectionReport {
  issuer: string
  ok: boolean
  error?: string
  authorization_endpoint?: string
  token_endpoint?: string
  jwks_uri?: string
  id_token_signing_alg_values_supported?: string[]
  code_challenge_methods_supported?: string[]
  keys?: { kid: string; algs: string[] }[]
  checked_at: string
}

/** A running or finished flow (Go: app.FlowRun). */
export interface FlowRun {
  id: string
  done: boolean
  auth_url?: string
  device_code?: { user_code: string; verification_uri: string; verification_uri_complete?: string; expires_in: number; interval: number }
  steps: FlowStep[] | null
  trace?: FlowTrace
  error?: string
}

/** One live policy value of the Settings screen (Go: app.Setting). */
export interface Setting {
  /** e.g. "access_token_ttl". */
  key: string
  label: string
  /** "duration" ("15m", "12h", "30d"), "rate" ("100/s", "off") or "count". */
  kind: 'duration' | 'rate' | 'count'
  value: string
  /** The value when none is saved: the start flag's, else built in. */
  default: string
  /** Where value comes from. */
  source: 'saved' | 'flag' | 'built-in'
  /** The start flag that sets the default, if any. */
  flag?: string
  min?: string
  max?: string
}

/** One value an update changed (Go: app.SettingChange). */
export interface SettingChange {
  key: string
  label: string
  from: string
  to: string
}

/** TLS of the listener and the --tls-auto local CA (Go: app.TLSFacts). */
export interface TLSFacts {
  enabled: boolean
  mode: 'off' | 'files' | 'auto'
  ca_available: boolean
  ca_file?: string
  ca_subject?: string
  ca_not_after?: string
  ca_fingerprint_sha256?: string
}

/** What the Settings screen shows (Go: app.Settings). */
export interface Settings {
  policy: Setting[]
  updated_at?: string
  updated_by?: string
  /** What an update changed; only in updateSettings' answer. */
  changed?: SettingChange[]
  instance: {
    issuer: string
    addresses: string[]
    data_dir: string
    mode: string
    signing_algorithms: string[]
    tls: TLSFacts
  }
}

// ---------------------------------------------------------------------------

/** The console's operations, typed. Every view goes through one of these. */
export interface Api {
  /** The live facts of this instance. */
  status(): Promise<Status>
  /** Tells Go the console has rendered real data (it logs "console ready"). */
  ready(): Promise<void>
  /** Who the console acts as. */
  me(): Promise<Me>
  /** Ends this browser sign-in on the server: its access token (and its grant's) stop working. */
  signOut(): Promise<void>
  /** Creates the first administrator; answers without a token only while there is none, from this machine. */
  createFirstAdmin(input: UserInput): Promise<User>
  /** The Dashboard's charts over the last hour (10 s buckets) or day (5 min). */
  dashboardSeries(span: 'hour' | 'day'): Promise<Series[]>
  /** Alerts raised lately, newest first. */
  recentAlerts(): Promise<Alert[]>

  listClients(): Promise<Client[]>
  getClient(id: string): Promise<Client>
  /** The answer carries a confidential client's secret: the only time it is shown. */
  createClient(input: ClientInput): Promise<Client>
  updateClient(id: string, input: ClientInput): Promise<Client>
  deleteClient(id: string): Promise<void>
  /** A single-use initial access token for dynamic registration (RFC 7591 §3), shown once; 0 s: a day. */
  createRegistrationToken(ttlSeconds: number): Promise<string>
  /** A new secret, shown once; the old one keeps working for graceSeconds. */
  rotateClientSecret(id: string, graceSeconds: number): Promise<Client>

  listUsers(): Promise<User[]>
  getUser(idOrName: string): Promise<User>
  createUser(input: UserInput): Promise<User>
  setUserDisabled(idOrName: string, disabled: boolean): Promise<User>
  setUserPassword(idOrName: string, password: string): Promise<void>
  unlockUser(idOrName: string): Promise<User>
  listSessions(idOrName: string): Promise<Session[]>
  endSession(id: string): Promise<void>
  listConsents(idOrName: string): Promise<Consent[]>
  revokeConsent(idOrName: string, clientId: string): Promise<void>

  listScopes(): Promise<Scope[]>
  createScope(name: string, description: string): Promise<Scope>

  listKeys(): Promise<Key[]>
  rotateKey(alg: string): Promise<Key[]>
  revokeKey(kid: string, reason: string): Promise<Key[]>
  /** The key set exactly as /jwks.json serves it. */
  jwks(): Promise<string>

  listGrants(filter: GrantFilter): Promise<Grant[]>
  revokeGrant(id: string, reason: string): Promise<void>
  /** Revokes every live grant of a user or a client; resolves to how many. */
  revokeTokensOf(kind: 'user' | 'client', id: string): Promise<number>
  inspectToken(token: string): Promise<TokenInspection>
  revokeToken(token: string): Promise<void>

  listRoutes(): Promise<Route[]>
  addRoute(route: Route): Promise<Route[]>
  updateRoute(prefix: string, route: Route): Promise<Route[]>
  removeRoute(prefix: string): Promise<Route[]>
  gatewayStats(): Promise<RouteStats[]>
  /** Checks whether a route's upstream answers; name is the route's name, or its prefix. */
  probeRoute(name: string): Promise<ProbeResult>
  /** The revocation-feed credential for a standalone gateway; shown once. */
  newFeedToken(): Promise<string>

  queryAudit(filter: AuditFilter): Promise<AuditPage>
  verifyAudit(): Promise<AuditVerify>
  /** JSON lines, oldest first, each the stored entry with its hash; with only a time range the chain verifies. */
  exportAudit(filter: AuditFilter): Promise<string>

  createTestClient(kind: 'public' | 'confidential'): Promise<Client>
  startFlow(input: FlowInput): Promise<string>
  flowStatus(id: string): Promise<FlowRun>
  exportFlow(id: string, format: 'json' | 'curl'): Promise<string>
  /** Keeps a flow's parameters in the data directory (the client secret only when keepSecret). */
  saveFlow(name: string, input: FlowInput, keepSecret: boolean): Promise<void>
  savedFlows(): Promise<SavedFlow[]>

  listIdentityProviders(): Promise<IdentityProvider[]>
  addIdentityProvider(spec: IdentityProviderSpec): Promise<IdentityProvider>
  updateIdentityProvider(id: string, spec: IdentityProviderSpec): Promise<IdentityProvider>
  removeIdentityProvider(id: string): Promise<void>
  /** Fetches the discovery document and JWKS of a provider (by id) or of an issuer URL not yet registered. */
  testIdentityProvider(idOrIssuer: string): Promise<ConnectionReport>

  /** The live policy, its defaults, and the instance's read-only facts. */
  settings(): Promise<Settings>
  /** Validates values (by key) without saving; the problems by key, empty when all would be accepted. */
  checkSettings(values: Record<string, string>): Promise<Record<string, string>>
  /** Saves and applies values at once, with no restart; the answer lists what changed. */
  updateSettings(values: Record<string, string>): Promise<Settings>
  /** The --tls-auto local CA certificate, PEM (never a key). */
  tlsCA(): Promise<string>
}

/** A filter that matches every audit event, with a page size. */
export function emptyAuditFilter(limit = 100): AuditFilter {
  return { from: '', to: '', types: [], outcome: '', client_id: '', subject: '', remote_addr: '', expr: '', limit, cursor: '' }
}

/** A Go method whose JSON was a list: null becomes []. */
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : [])

/** Parses a JSON value Go sent as raw JSON (json.RawMessage arrives already parsed; a string is parsed). */
function rawObject(v: unknown): Record<string, unknown> | undefined {
  if (v === null || v === undefined || v === '') return undefined
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Record<string, unknown>
    } catch {
      return undefined
    }
  }
  return typeof v === 'object' ? (v as Record<string, unknown>) : undefined
}

/** Fills the lists Go sends as null in Settings. */
function settingsOf(v: unknown): Settings {
  const s = v as Settings
  return {
    ...s, policy: list<Setting>(s.policy), changed: list<SettingChange>(s.changed),
    instance: { ...s.instance, addresses: list<string>(s.instance?.addresses), signing_algorithms: list<string>(s.instance?.signing_algorithms) },
  }
}

/** Builds the typed API over a transport. */
export function createApi(call: Transport): Api {
  const none = async (method: string, args: unknown[]) => {
    await call(method, args)
  }
  return {
    status: async () => {
      const s = (await call('Status', [])) as Status
      return { ...s, addresses: s.addresses ?? [] }
    },
    ready: () => none('Ready', []),
    me: async () => (await call('Me', [])) as Me,
    signOut: () => none('SignOut', []),
    createFirstAdmin: async (input) => (await call('CreateFirstAdmin', [{ ...input, admin: true }])) as User,
    dashboardSeries: async (span) => list<Series>(await call('DashboardSeries', [span])).map((s) => ({ ...s, points: s.points ?? [] })),
    recentAlerts: async () => list<Alert>(await call('RecentAlerts', [])),

    listClients: async () => list<Client>(await call('ListClients', [])),
    getClient: async (id) => (await call('GetClient', [id])) as Client,
    createClient: async (input) => (await call('CreateClient', [input])) as Client,
    updateClient: async (id, input) => (await call('UpdateClient', [id, input])) as Client,
    deleteClient: (id) => none('DeleteClient', [id]),
    createRegistrationToken: async (ttl) => String(await call('CreateRegistrationToken', [Math.max(0, Math.floor(ttl))])),
    rotateClientSecret: async (id, grace) => (await call('RotateClientSecret', [id, Math.max(0, Math.floor(grace))])) as Client,

    listUsers: async () => list<User>(await call('ListUsers', [])),
    getUser: async (id) => (await call('GetUser', [id])) as User,
    createUser: async (input) => (await call('CreateUser', [input])) as User,
    setUserDisabled: async (id, disabled) => (await call('SetUserDisabled', [id, disabled])) as User,
    setUserPassword: (id, pw) => none('SetUserPassword', [id, pw]),
    unlockUser: async (id) => (await call('UnlockUser', [id])) as User,
    listSessions: async (id) => list<Session>(await call('ListSessions', [id])),
    endSession: (id) => none('EndSession', [id]),
    listConsents: async (id) => list<Consent>(await call('ListConsents', [id])).map((c) => ({ ...c, scopes: c.scopes ?? [] })),
    revokeConsent: (id, clientId) => none('RevokeConsent', [id, clientId]),

    listScopes: async () => list<Scope>(await call('ListScopes', [])),
    createScope: async (name, description) => (await call('CreateScope', [name, description])) as Scope,

    listKeys: async () => list<Key>(await call('ListKeys', [])),
    rotateKey: async (alg) => list<Key>(await call('RotateKey', [alg])),
    revokeKey: async (kid, reason) => list<Key>(await call('RevokeKey', [kid, reason])),
    jwks: async () => String(await call('JWKS', [])),

    listGrants: async (f) => list<Grant>(await call('ListGrants', [f])).map((g) => ({ ...g, audience: g.audience ?? [], kids: g.kids ?? [] })),
    revokeGrant: (id, reason) => none('RevokeGrant', [id, reason]),
    revokeTokensOf: async (kind, id) => Number(await call('RevokeTokensOf', [kind, id])),
    inspectToken: async (token) => {
      const r = (await call('InspectToken', [token])) as TokenInspection
      return { ...r, header: rawObject(r.header), claims: rawObject(r.claims) }
    },
    revokeToken: (token) => none('RevokeToken', [token]),

    listRoutes: async () => list<Route>(await call('ListRoutes', [])),
    addRoute: async (r) => list<Route>(await call('AddRoute', [r])),
    updateRoute: async (prefix, r) => list<Route>(await call('UpdateRoute', [prefix, r])),
    removeRoute: async (prefix) => list<Route>(await call('RemoveRoute', [prefix])),
    gatewayStats: async () => list<RouteStats>(await call('GatewayStats', [])),
    probeRoute: async (name) => (await call('ProbeRoute', [name])) as ProbeResult,
    newFeedToken: async () => String(await call('NewFeedToken', [])),

    queryAudit: async (f) => {
      const p = (await call('QueryAudit', [f])) as AuditPage | null
      return { events: p?.events ?? [], next: p?.next ?? '' }
    },
    verifyAudit: async () => (await call('VerifyAudit', [])) as AuditVerify,
    exportAudit: async (filter) => String((await call('ExportAudit', [filter])) ?? ''),

    createTestClient: async (kind) => (await call('CreateTestClient', [kind])) as Client,
    startFlow: async (input) => String(await call('StartFlow', [input])),
    flowStatus: async (id) => (await call('FlowStatus', [id])) as FlowRun,
    exportFlow: async (id, format) => String(await call('ExportFlow', [id, format])),
    saveFlow: (name, input, keep) => none('SaveFlow', [name, input, keep]),
    savedFlows: async () => list<SavedFlow>(await call('SavedFlows', [])),

    listIdentityProviders: async () =>
      list<IdentityProvider>(await call('ListIdentityProviders', [])).map((p) => ({
        ...p, audiences: p.audiences ?? [], algorithms: p.algorithms ?? [], scopes: p.scopes ?? [], resources: p.resources ?? [],
      })),
    addIdentityProvider: async (spec) => (await call('AddIdentityProvider', [spec])) as IdentityProvider,
    updateIdentityProvider: async (id, spec) => (await call('UpdateIdentityProvider', [id, spec])) as IdentityProvider,
    removeIdentityProvider: (id) => none('RemoveIdentityProvider', [id]),
    testIdentityProvider: async (x) => (await call('TestIdentityProvider', [x])) as ConnectionReport,

    settings: async () => settingsOf(await call('Settings', [])),
    checkSettings: async (values) => ((await call('CheckSettings', [{ values }])) ?? {}) as Record<string, string>,
    updateSettings: async (values) => settingsOf(await call('UpdateSettings', [{ values }])),
    tlsCA: async () => String(await call('TLSCA', [])),
  }
}

/** The API for this page: Wails bindings in the window, HTTP in a browser. */
export const api: Api = createApi(autoTransport())
