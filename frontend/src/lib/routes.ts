// The Gateway screen's rules: a route as form fields and back, and the
// checks worth making before Go validates it again.
import type { Route, RouteStats } from './api'

/** A route as the form edits it: lists as text. */
export interface RouteForm {
  name: string
  prefix: string
  host: string
  methods: string
  upstream: string
  strip_prefix: boolean
  scopes: string
  any_scopes: string
  audience: string
  acr: string
  clients: string
  per_client: string
  per_ip: string
  burst: string
  keep_authorization: boolean
  introspect: boolean
  revocation_fail_open: boolean
  form_tokens: boolean
}

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean)

export function emptyRouteForm(): RouteForm {
  return { name: '', prefix: '/api/', host: '', methods: '', upstream: 'http://127.0.0.1:9000', strip_prefix: false, scopes: '', any_scopes: '', audience: '', acr: '', clients: '', per_client: '', per_ip: '', burst: '', keep_authorization: false, introspect: false, revocation_fail_open: false, form_tokens: false }
}

export function formFromRoute(r: Route): RouteForm {
  return {
    name: r.name ?? '',
    prefix: r.prefix,
    host: r.host ?? '',
    methods: (r.methods ?? []).join(' '),
    upstream: r.upstream ?? '',
    strip_prefix: r.strip_prefix ?? false,
    scopes: (r.scopes ?? []).join(' '),
    any_scopes: (r.any_scopes ?? []).join(' '),
    audience: r.audience ?? '',
    acr: r.acr ?? '',
    clients: (r.clients ?? []).join(' '),
    per_client: r.rate_limit?.per_client ?? '',
    per_ip: r.rate_limit?.per_ip ?? '',
    burst: r.rate_limit?.burst ? String(r.rate_limit.burst) : '',
    keep_authorization: r.keep_authorization ?? false,
    introspect: r.introspect ?? false,
    revocation_fail_open: r.revocation_fail_open ?? false,
    form_tokens: r.form_tokens ?? false,
  }
}

/** The route a form describes; fields the form does not show are kept from `base`. */
export function routeFromForm(f: RouteForm, base: Route = { prefix: '' }): Route {
  const r: Route = { ...base, prefix: f.prefix.trim(), upstream: f.upstream.trim() }
  const set = <K extends keyof Route>(k: K, v: Route[K] | undefined) => {
    if (v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)) delete r[k]
    else r[k] = v
  }
  set('name', f.name.trim())
  set('host', f.host.trim())
  set('methods', words(f.methods).map((m) => m.toUpperCase()))
  set('strip_prefix', f.strip_prefix)
  set('scopes', words(f.scopes))
  set('any_scopes', words(f.any_scopes))
  set('audience', f.audience.trim())
  set('acr', f.acr.trim())
  set('clients', words(f.clients))
  set('keep_authorization', f.keep_authorization)
  set('introspect', f.introspect)
  set('revocation_fail_open', f.revocation_fail_open)
  set('form_tokens', f.form_tokens)
  const rl = { per_client: f.per_client.trim() || undefined, per_ip: f.per_ip.trim() || undefined, burst: Number(f.burst) || undefined }
  set('rate_limit', rl.per_client || rl.per_ip || rl.burst ? rl : undefined)
  return r
}

const RATE = /^\d+\/(s|m|h)$/

/** Field name -> what is wrong, in words. */
export function checkRouteForm(f: RouteForm): Record<string, string> {
  const errs: Record<string, string> = {}
  if (!f.prefix.trim().startsWith('/')) errs.prefix = 'A path prefix starts with “/”, e.g. /api/orders/.'
  try {
    const u = new URL(f.upstream.trim())
    if (u.protocol !== 'http:' && u.protocol !== 'https:') errs.upstream = 'The upstream must be an http:// or https:// URL.'
  } catch {
    errs.upstream = 'The upstream must be a full URL, e.g. http://127.0.0.1:9000.'
  }
  for (const k of ['per_client', 'per_ip'] as const) {
    if (f[k].trim() !== '' && !RATE.test(f[k].trim())) errs[k] = 'Write a rate as N/s, N/m or N/h, e.g. 100/m.'
  }
  if (f.burst.trim() !== '' && !(Number.isInteger(Number(f.burst)) && Number(f.burst) > 0)) errs.burst = 'A whole number above 0.'
  for (const m of words(f.methods)) {
    if (!/^[A-Za-z]+$/.test(m)) errs.methods = `“${m}” is not an HTTP method.`
  }
  return errs
}

/** The counters for a route: stats are keyed by the route's name, which defaults to its prefix. */
export function statsFor(r: Route, stats: RouteStats[]): RouteStats | undefined {
  const key = r.name || r.prefix
  return stats.find((s) => s.route === key)
}

/** Total refusals of a route. */
export function deniedTotal(s: RouteStats | undefined): number {
  return Object.values(s?.denied ?? {}).reduce((n, v) => n + v, 0)
}

/** Mean upstream latency in words. */
export function latency(ns: number | undefined): string {
  if (!ns) return '—'
  const ms = ns / 1e6
  return ms < 1 ? `${(ns / 1e3).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
}

/** How a route's upstream health reads in the console: a badge class and words. */
export function healthOf(s: RouteStats | undefined): { cls: string; text: string; title: string } {
  switch (s?.health) {
    case 'up':
      return { cls: 'badge ok', text: 'up', title: s.last_ok ? `answered at ${s.last_ok}` : 'answered' }
    case 'down':
      return {
        cls: 'badge bad',
        text: 'down',
        title: `not reachable at ${s.last_failure}${s.last_ok ? `; last answered at ${s.last_ok}` : ''}`,
      }
  }
  return { cls: 'badge', text: 'no traffic yet', title: 'no request or check has reached the upstream yet' }
}
