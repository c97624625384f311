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

/** The console's operations, typed. Every view goes through one of these. */
export interface Api {
  /** The Dashboard's charts over the last hour (10 s buckets) or day (5 min). */
  dashboardSeries(span: 'hour' | 'day'): Promise<Series[]>
  /** Alerts raised lately, newest first. */
  recentAlerts(): Promise<Alert[]>
  /** The live facts of this instance. */
  status(): Promise<Status>
  /** Tells Go the console has rendered real data (it logs "console ready"). */
  ready(): Promise<void>
}

/** Builds the typed API over a transport. */
export function createApi(call: Transport): Api {
  return {
    status: async () => {
      const s = (await call('Status', [])) as Status
      return { ...s, addresses: s.addresses ?? [] }
    },
    ready: async () => {
      await call('Ready', [])
    },
    dashboardSeries: async (span) => ((await call('DashboardSeries', [span])) as Series[] | null) ?? [],
    recentAlerts: async () => ((await call('RecentAlerts', [])) as Alert[] | null) ?? [],
  }
}

/** The API for this page: Wails bindings in the window, HTTP in a browser. */
export const api: Api = createApi(autoTransport())
