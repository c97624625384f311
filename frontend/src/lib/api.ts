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

import type * as Go from './api.gen'
import type {
  Alert, AuditEvent, AuditFilter, AuditVerify, Client, ClusterNode, Consent, ConnectionReport, Cors, FlowFinding, FlowRequest,
  FlowResponse, FlowRun, FlowStep, FlowToken, FlowTrace, Grant, GrantFilter, IdentityProvider,
  IdentityProviderSpec, Key, Me, Point, ProbeResult, RateLimit, Route, RouteStats, SavedFlow, Scope, Series,
  Session, Setting, SettingChange, Settings, TLSFacts, User, UserInput, Factor, MFACount,
  PairwiseSubject,
} from './api.gen'
import type { DetailType, DetailTypeInput } from './api.gen' // RFC 9396
import { accessToken } from './auth'

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
// DTOs: generated from the Go types (api.gen.ts, `go generate ./app`), so a
// field renamed in Go fails svelte-check here. Times are RFC 3339 strings,
// empty or absent when unset. Where a view relies on a closed set of values
// Go keeps in a plain string, the type below narrows the generated one
// (Narrow checks that the narrowing still fits Go's type).

export type {
  Alert, AuditEvent, AuditFilter, AuditVerify, Client, ClusterNode, Consent, ConnectionReport, Cors, FlowFinding, FlowRequest,
  FlowResponse, FlowRun, FlowStep, FlowToken, FlowTrace, Grant, GrantFilter, IdentityProvider,
  IdentityProviderSpec, Key, Me, Point, ProbeResult, RateLimit, Route, RouteStats, SavedFlow, Scope, Series,
  Session, Setting, SettingChange, Settings, TLSFacts, User, UserInput, Factor, MFACount,
  PairwiseSubject,
}

export type { DetailType, DetailTypeInput }

/** T with the fields of N, each of which must be assignable to T's own. */
type Narrow<T, N extends { [K in keyof N]: K extends keyof T ? T[K] : never }> = Omit<T, keyof N> & N

/** What the Dashboard shows about the running instance. */
export type Status = Narrow<Go.Status, { mode: 'desktop' | 'serve' }>

/** What the client form sends: a client is confidential or public. */
export type ClientInput = Narrow<Go.ClientInput, { client_type: 'confidential' | 'public' }>

/** One page of events, newest first; `next` continues it; `names` gives the username or client name of the ids the events mention. */
export type AuditPage = Narrow<Go.AuditPage, { names: Record<string, string> }>

/** A signing key's place in its life (Go: authcore.KeyState). */
export type KeyState = 'next' | 'active' | 'retired' | 'revoked'

/** What the console shows about a pasted token; header and claims parsed from Go's raw JSON. */
export type TokenInspection = Omit<Go.TokenInspection, 'header' | 'claims'> & {
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
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
  | 'ciba'

/** One run of the flow tester. Issuer defaults to this server. */
export type FlowInput = Go.FlowInput

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
  /** The nodes sharing this store that sent a heartbeat lately, by id. */
  clusterNodes(): Promise<ClusterNode[]>

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
  /** A user's second factors (never a secret). */
  userFactors(idOrName: string): Promise<Factor[]>
  /** The sub each pairwise client sees for a user (OIDC Core §8.1). */
  userSubjects(idOrName: string): Promise<PairwiseSubject[]>
  /** Removes every second factor of a user; resolves to how many. */
  resetUserFactors(idOrName: string): Promise<number>
  setUserRequireMFA(idOrName: string, on: boolean): Promise<User>
  /** Users with and without a second factor (Dashboard). */
  mfaStatus(): Promise<MFACount>
  listSessions(idOrName: string): Promise<Session[]>
  endSession(id: string): Promise<void>
  listConsents(idOrName: string): Promise<Consent[]>
  revokeConsent(idOrName: string, clientId: string): Promise<void>

  listScopes(): Promise<Scope[]>
  createScope(name: string, description: string): Promise<Scope>
  /** RFC 9396 authorization_details types: schema and consent sentence each. */
  listDetailTypes(): Promise<DetailType[]>
  createDetailType(input: DetailTypeInput): Promise<DetailType>
  updateDetailType(input: DetailTypeInput): Promise<DetailType>
  deleteDetailType(type: string): Promise<void>

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
  /**
   * Saves and applies values at once, with no restart; the answer lists what changed. With revision (Settings.revision
   * as loaded), a save over settings changed elsewhere since is refused (409, isChangedElsewhere).
   */
  updateSettings(values: Record<string, string>, revision?: number): Promise<Settings>
  /** The --tls-auto local CA certificate, PEM (never a key). */
  tlsCA(): Promise<string>
}

/** A filter that matches every audit event, with a page size. */
export function emptyAuditFilter(limit = 100): AuditFilter {
  return { from: '', to: '', types: [], outcome: '', client_id: '', subject: '', remote_addr: '', expr: '', limit, cursor: '' }
}

/** A Go method whose JSON was a list: null becomes []. */
const list = <T>(v: T[] | null | undefined): T[] => (Array.isArray(v) ? v : [])

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
function settingsOf(s: Go.Settings): Go.Settings {
  return {
    ...s, policy: list(s.policy), changed: list(s.changed),
    instance: { ...s.instance, addresses: list(s.instance?.addresses), signing_algorithms: list(s.instance?.signing_algorithms) },
  }
}

/** Calls Go method m with arguments its generated signature accepts and resolves to its result's type. */
type Call = <M extends keyof Go.Methods>(method: M, ...args: Parameters<Go.Methods[M]>) => ReturnType<Go.Methods[M]>

/** Waits for a method that returns nothing (its JSON result is null). */
const none = async (p: Promise<void>): Promise<void> => {
  await p
}

/** Builds the typed API over a transport. */
export function createApi(transport: Transport): Api {
  // The one place the JSON is trusted to be what Go's types say.
  const go = ((method: string, ...args: unknown[]) => transport(method, args)) as Call
  return {
    status: async () => {
      const s = await go('Status')
      return { ...s, mode: s.mode === 'desktop' ? 'desktop' : 'serve', addresses: list(s.addresses) }
    },
    ready: () => none(go('Ready')),
    me: () => go('Me'),
    signOut: () => none(go('SignOut')),
    createFirstAdmin: (input) => go('CreateFirstAdmin', { ...input, admin: true }),
    dashboardSeries: async (span) => list(await go('DashboardSeries', span)).map((s) => ({ ...s, points: list(s.points) })),
    recentAlerts: async () => list(await go('RecentAlerts')),
    clusterNodes: async () => list(await go('ClusterNodes')),

    listClients: async () => list(await go('ListClients')),
    getClient: (id) => go('GetClient', id),
    createClient: (input) => go('CreateClient', input),
    updateClient: (id, input) => go('UpdateClient', id, input),
    deleteClient: (id) => none(go('DeleteClient', id)),
    createRegistrationToken: async (ttl) => String(await go('CreateRegistrationToken', Math.max(0, Math.floor(ttl)))),
    rotateClientSecret: (id, grace) => go('RotateClientSecret', id, Math.max(0, Math.floor(grace))),

    listUsers: async () => list(await go('ListUsers')),
    getUser: (id) => go('GetUser', id),
    createUser: (input) => go('CreateUser', input),
    setUserDisabled: (id, disabled) => go('SetUserDisabled', id, disabled),
    setUserPassword: (id, pw) => none(go('SetUserPassword', id, pw)),
    unlockUser: (id) => go('UnlockUser', id),
    userFactors: async (id) => list(await go('UserFactors', id)),
    userSubjects: async (id) => list(await go('UserSubjects', id)),
    resetUserFactors: async (id) => Number(await go('ResetUserFactors', id)),
    setUserRequireMFA: (id, on) => go('SetUserRequireMFA', id, on),
    mfaStatus: () => go('MFAStatus'),
    listSessions: async (id) => list(await go('ListSessions', id)),
    endSession: (id) => none(go('EndSession', id)),
    listConsents: async (id) => list(await go('ListConsents', id)).map((c) => ({ ...c, scopes: list(c.scopes) })),
    revokeConsent: (id, clientId) => none(go('RevokeConsent', id, clientId)),

    listScopes: async () => list(await go('ListScopes')),
    createScope: (name, description) => go('CreateScope', name, description),
    listDetailTypes: async () => list(await go('ListAuthorizationDetailTypes')),
    createDetailType: (input) => go('CreateAuthorizationDetailType', input),
    updateDetailType: (input) => go('UpdateAuthorizationDetailType', input),
    deleteDetailType: (type) => none(go('DeleteAuthorizationDetailType', type)),

    listKeys: async () => list(await go('ListKeys')),
    rotateKey: async (alg) => list(await go('RotateKey', alg)),
    revokeKey: async (kid, reason) => list(await go('RevokeKey', kid, reason)),
    jwks: async () => String(await go('JWKS')),

    listGrants: async (f) => list(await go('ListGrants', f)).map((g) => ({ ...g, audience: list(g.audience), kids: list(g.kids) })),
    revokeGrant: (id, reason) => none(go('RevokeGrant', id, reason)),
    revokeTokensOf: async (kind, id) => Number(await go('RevokeTokensOf', kind, id)),
    inspectToken: async (token) => {
      const r = await go('InspectToken', token)
      return { ...r, header: rawObject(r.header), claims: rawObject(r.claims) }
    },
    revokeToken: (token) => none(go('RevokeToken', token)),

    listRoutes: async () => list(await go('ListRoutes')),
    addRoute: async (r) => list(await go('AddRoute', r)),
    updateRoute: async (prefix, r) => list(await go('UpdateRoute', prefix, r)),
    removeRoute: async (prefix) => list(await go('RemoveRoute', prefix)),
    gatewayStats: async () => list(await go('GatewayStats')),
    probeRoute: (name) => go('ProbeRoute', name),
    newFeedToken: async () => String(await go('NewFeedToken')),

    queryAudit: async (f) => {
      const p = (await go('QueryAudit', f)) as Go.AuditPage | null
      return { events: list(p?.events), next: p?.next ?? '', names: p?.names ?? {} }
    },
    verifyAudit: () => go('VerifyAudit'),
    exportAudit: async (filter) => String((await go('ExportAudit', filter)) ?? ''),

    createTestClient: (kind) => go('CreateTestClient', kind),
    startFlow: async (input) => String(await go('StartFlow', input)),
    flowStatus: (id) => go('FlowStatus', id),
    exportFlow: async (id, format) => String(await go('ExportFlow', id, format)),
    saveFlow: (name, input, keep) => none(go('SaveFlow', name, input, keep)),
    savedFlows: async () => list(await go('SavedFlows')),

    listIdentityProviders: async () =>
      list(await go('ListIdentityProviders')).map((p) => ({
        ...p, audiences: list(p.audiences), algorithms: list(p.algorithms), scopes: list(p.scopes), resources: list(p.resources),
      })),
    addIdentityProvider: (spec) => go('AddIdentityProvider', spec),
    updateIdentityProvider: (id, spec) => go('UpdateIdentityProvider', id, spec),
    removeIdentityProvider: (id) => none(go('RemoveIdentityProvider', id)),
    testIdentityProvider: (x) => go('TestIdentityProvider', x),

    settings: async () => settingsOf(await go('Settings')),
    checkSettings: async (values) => (await go('CheckSettings', { values })) ?? {},
    updateSettings: async (values, revision) => settingsOf(await go('UpdateSettings', revision === undefined ? { values } : { values, revision })),
    tlsCA: async () => String(await go('TLSCA')),
  }
}

/** The API for this page: Wails bindings in the window, HTTP in a browser. */
export const api: Api = createApi(autoTransport())
