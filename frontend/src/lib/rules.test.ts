import { describe, expect, it } from 'vitest'
import type { Client } from './api'
import { GRANT_CIBA, GRANT_CLIENT_CREDENTIALS, checkClientInput, clientMatches, inputFromClient, presetFor } from './clients'
import { snippetsFor } from './snippets'
import { checkRouteForm, emptyRouteForm, formFromRoute, healthOf, routeFromForm, statsFor } from './routes'
import { firstSteps } from './checklist'
import { checkUserInput } from './users'
import { missingInput, emptyFlowInput } from './flows'

const client: Client = {
  client_id: 'shop', client_name: 'Shop', client_type: 'confidential', redirect_uris: ['https://shop.example/cb'],
  grant_types: ['authorization_code', 'refresh_token'], scope: 'openid orders:read', audience: [],
  token_endpoint_auth_method: 'client_secret_basic', access_token_ttl: 0, refresh_token_ttl: 0,
  post_logout_redirect_uris: [], previous_secret_valid: false, created_at: '', updated_at: '', require_mfa: false, authorization_details_types: [], subject_type: 'public',
}

describe('client presets', () => {
  it('registers browser and native apps as public clients with code + PKCE, servers as confidential', () => {
    expect(presetFor('spa')).toMatchObject({ client_type: 'public', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] })
    expect(presetFor('native').redirect_uris[0]).toMatch(/^http:\/\/127\.0\.0\.1\//)
    expect(presetFor('web')).toMatchObject({ client_type: 'confidential', token_endpoint_auth_method: 'client_secret_basic' })
    expect(presetFor('service')).toMatchObject({ client_type: 'confidential', grant_types: [GRANT_CLIENT_CREDENTIALS], redirect_uris: [] })
  })

  it('finds the obvious mistakes before Go does', () => {
    expect(checkClientInput(presetFor('spa', 'App'))).toEqual({})
    expect(checkClientInput(presetFor('spa'))).toHaveProperty('client_name')
    expect(checkClientInput({ ...presetFor('spa', 'A'), redirect_uris: [] })).toHaveProperty('redirect_uris')
    expect(checkClientInput({ ...presetFor('spa', 'A'), redirect_uris: ['/cb'] }).redirect_uris).toMatch(/absolute/)
    expect(checkClientInput({ ...presetFor('spa', 'A'), grant_types: [GRANT_CLIENT_CREDENTIALS] }).grant_types).toMatch(/public client cannot/)
    expect(checkClientInput({ ...presetFor('web', 'A'), token_endpoint_auth_method: 'private_key_jwt' })).toHaveProperty('jwks')
  })

  it('checks the CIBA delivery mode against the grant', () => {
    const ciba = { ...presetFor('service', 'Teller'), grant_types: [GRANT_CIBA] }
    expect(checkClientInput({ ...ciba, backchannel_token_delivery_mode: 'poll' })).toEqual({})
    expect(checkClientInput(ciba).ciba).toMatch(/poll or ping/)
    expect(checkClientInput({ ...ciba, backchannel_token_delivery_mode: 'ping' }).ciba).toMatch(/notification endpoint/)
    expect(checkClientInput({ ...ciba, backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'https://rp.example/ciba' })).toEqual({})
    expect(checkClientInput({ ...presetFor('service', 'S'), backchannel_token_delivery_mode: 'poll' }).ciba).toMatch(/grant/)
    expect(checkClientInput({ ...presetFor('spa', 'A'), grant_types: [GRANT_CIBA] }).grant_types).toMatch(/public client cannot/)
  })

  it('edits a client as it is', () => {
    expect(inputFromClient(client)).toMatchObject({ client_name: 'Shop', client_type: 'confidential', scope: 'openid orders:read' })
    expect(clientMatches(client, 'SHOP.example')).toBe(true)
    expect(clientMatches(client, 'nope')).toBe(false)
  })
})

describe('snippets', () => {
  it('configure the client for each library, never with a secret in the text', () => {
    const s = snippetsFor(client, 'https://id.example')
    expect(s.map((x) => x.id)).toEqual(['go', 'oidc-client-ts', 'spring', 'curl'])
    for (const x of s) {
      expect(x.code).toContain('shop')
      expect(x.code).toContain('https://id.example')
    }
    expect(s[0].code).toContain('S256ChallengeOption')
    expect(s[0].code).toContain('os.Getenv("LATCHKEY_CLIENT_SECRET")')
  })

  it('use client credentials for a service', () => {
    const s = snippetsFor({ ...client, grant_types: [GRANT_CLIENT_CREDENTIALS], redirect_uris: [] }, 'https://id.example')
    expect(s.map((x) => x.id)).toEqual(['go', 'spring', 'curl'])
    expect(s[0].code).toContain('clientcredentials.Config')
    expect(s[2].code).toContain('grant_type=client_credentials')
  })

  it('send no secret for a public client', () => {
    const s = snippetsFor({ ...client, client_type: 'public', token_endpoint_auth_method: 'none' }, 'https://id.example')
    expect(s.find((x) => x.id === 'go')?.code).not.toContain('ClientSecret')
    expect(s.find((x) => x.id === 'spring')?.code).toContain('client-authentication-method: none')
  })
})

describe('routes', () => {
  it('round-trip through the form, dropping empty fields', () => {
    const f = { ...emptyRouteForm(), prefix: '/api/orders/', upstream: 'http://127.0.0.1:9000', scopes: 'orders:read  orders:write', per_client: '100/m', methods: 'get post' }
    const r = routeFromForm(f)
    expect(r).toEqual({ prefix: '/api/orders/', upstream: 'http://127.0.0.1:9000', scopes: ['orders:read', 'orders:write'], methods: ['GET', 'POST'], rate_limit: { per_client: '100/m', per_ip: undefined, burst: undefined } })
    expect(routeFromForm(formFromRoute(r))).toEqual(r)
  })

  it('validate prefix, upstream and rates', () => {
    expect(checkRouteForm(emptyRouteForm())).toEqual({})
    const bad = checkRouteForm({ ...emptyRouteForm(), prefix: 'api', upstream: 'ftp://x', per_ip: '10 per second', burst: '-1' })
    expect(Object.keys(bad).sort()).toEqual(['burst', 'per_ip', 'prefix', 'upstream'])
  })

  it('find a route’s counters by name, else prefix', () => {
    const stats = [{ route: '/api/', allowed: 1, denied: null, upstream: 0, upstream_errors: 0, mean_latency_ns: 0, health: 'unknown' }]
    expect(statsFor({ prefix: '/api/' }, stats)?.allowed).toBe(1)
    expect(statsFor({ prefix: '/api/', name: 'orders' }, stats)).toBeUndefined()
  })

  it('say an upstream’s health in words', () => {
    const base = { route: 'r', allowed: 0, denied: null, upstream: 0, upstream_errors: 0, mean_latency_ns: 0 }
    expect(healthOf(undefined).text).toBe('no traffic yet')
    expect(healthOf({ ...base, health: 'unknown' }).cls).toBe('badge')
    expect(healthOf({ ...base, health: 'up', last_ok: '2026-11-27T03:00:00Z' })).toMatchObject({ cls: 'badge ok', text: 'up' })
    const down = healthOf({ ...base, health: 'down', last_failure: '2026-11-27T03:01:00Z', last_ok: '2026-11-27T03:00:00Z' })
    expect(down).toMatchObject({ cls: 'badge bad', text: 'down' })
    expect(down.title).toContain('last answered at 2026-11-27T03:00:00Z')
  })
})

describe('first steps', () => {
  it('tick from real data, not counting the console’s own client or the first admin', () => {
    const admin = { id: 'a', username: 'admin', admin: true } as never
    const none = firstSteps([admin], [{ ...client, client_id: 'latchkey-console' }], [], [{ client_id: 'latchkey-console' } as never])
    expect(none.map((s) => s.done)).toEqual([false, false, false])
    const all = firstSteps([admin, { id: 'b', admin: false } as never], [client], [{ client_id: 'shop' } as never], [])
    expect(all.map((s) => s.done)).toEqual([true, true, true])
  })
})

describe('forms', () => {
  it('check a new user', () => {
    expect(checkUserInput({ username: 'alice', email: 'a@example.com', display_name: '', password: 'long enough', admin: false })).toEqual({})
    expect(Object.keys(checkUserInput({ username: 'a b', email: 'x', display_name: '', password: 'short', admin: false })).sort()).toEqual(['email', 'password', 'username'])
  })
  it('say what a flow still needs', () => {
    expect(missingInput(emptyFlowInput())).toMatch(/client/)
    expect(missingInput({ ...emptyFlowInput(), client_id: 'c', flow: 'introspect' })).toMatch(/token/)
    expect(missingInput({ ...emptyFlowInput(), client_id: 'c' })).toBe('')
  })
})

import { checkIdpForm, emptyIdpForm, formFromProvider, specFromForm } from './idp'
describe('identity providers', () => {
  it('send every field of the form, the secret only when typed', () => {
    const f = { ...emptyIdpForm(), issuer: 'https://accounts.example.com', audiences: 'a b', client_id: 'lk' }
    const spec = specFromForm(f)
    expect(spec).toMatchObject({ issuer: 'https://accounts.example.com', audiences: ['a', 'b'], client_id: 'lk', provisioning: 'refuse', enabled: true })
    expect(spec).not.toHaveProperty('client_secret')
    expect(spec).not.toHaveProperty('id')
    expect(specFromForm({ ...f, client_secret: 's', id: 'acme' })).toMatchObject({ client_secret: 's', id: 'acme' })
  })
  it('check issuer, audiences and secret', () => {
    expect(checkIdpForm({ ...emptyIdpForm(), issuer: 'https://a.example', audiences: 'x' })).toEqual({})
    expect(checkIdpForm({ ...emptyIdpForm(), issuer: 'http://127.0.0.1:8421', audiences: 'x' })).toEqual({})
    const bad = checkIdpForm({ ...emptyIdpForm(), issuer: 'http://a.example', client_secret: 's', algorithms: [] })
    expect(Object.keys(bad).sort()).toEqual(['algorithms', 'audiences', 'client_id', 'issuer'])
  })
  it('edit a provider as it is, without its secret', () => {
    const f = formFromProvider({ id: 'acme', issuer: 'https://a.example', display_name: 'Acme', client_id: 'lk', has_client_secret: true, audiences: ['x'], algorithms: ['RS256'], scopes: ['openid'], resources: [], provisioning: 'create', enabled: false, redirect_uri: '', created_at: '', updated_at: '', trust_auth_context: false })
    expect(f).toMatchObject({ id: 'acme', client_secret: '', audiences: 'x', provisioning: 'create', enabled: false })
  })
})

import { eventKey, filterOf, isoOf, prependNew } from './audit'
describe('audit log', () => {
  const ev = (seq: number) => ({ seq, type: 't', outcome: 'success', time: '', prev_hash: '', hash: '' })
  it('prepends only events newer than the newest shown, newest first', () => {
    const shown = [ev(5), ev(4)]
    expect(prependNew(shown, [ev(5), ev(4)])).toBe(shown)
    expect(prependNew(shown, [ev(6), ev(7), ev(5)]).map((e) => e.seq)).toEqual([7, 6, 5, 4])
    expect(prependNew([], [ev(2), ev(1)]).map((e) => e.seq)).toEqual([2, 1])
    expect(prependNew(shown, [ev(9), ev(8)], 3).map((e) => e.seq)).toEqual([9, 8, 5])
  })
  it('tells the events of a cluster apart by node and seq', () => {
    const at = (node: string, seq: number, time: string) => ({ ...ev(seq), node, time })
    const shown = [at('a', 5, '2026-01-01T00:00:02Z')]
    const page = [at('b', 5, '2026-01-01T00:00:03Z'), at('b', 4, '2026-01-01T00:00:01Z'), at('a', 5, '2026-01-01T00:00:02Z')]
    expect(prependNew(shown, page).map(eventKey)).toEqual(['b/5', 'b/4', 'a/5'])
  })
  it('turns the form into a filter, times in UTC', () => {
    expect(isoOf('')).toBe('')
    expect(isoOf('2025-01-02T03:04')).toMatch(/^2025-01-0[12]T\d\d:04:00Z$/)
    expect(filterOf({ type: 'key.revoked', outcome: 'failure', client_id: ' c ', subject: '', from: '', to: '', expr: ' a==1 ' }, 50))
      .toEqual({ types: ['key.revoked'], outcome: 'failure', client_id: 'c', subject: '', from: '', to: '', remote_addr: '', expr: 'a==1', limit: 50, cursor: '' })
  })
})

import { activeAlgs, sortKeys } from './keys'
describe('keys', () => {
  it('sort by lifecycle and offer rotation for algorithms with an active key', () => {
    const k = (kid: string, state: string, alg = 'ES256', created_at = '2025') => ({ kid, state, alg, created_at, live_tokens: 0 })
    const keys = [k('r', 'retired'), k('a', 'active'), k('n', 'next'), k('x', 'revoked'), k('b', 'active', 'RS256')]
    expect(sortKeys(keys).map((x) => x.kid)).toEqual(['n', 'a', 'b', 'r', 'x'])
    expect(activeAlgs(keys)).toEqual(['ES256', 'RS256'])
  })
})

import { isSelf } from './users'
describe('isSelf', () => {
  it('knows the signed-in administrator', () => {
    expect(isSelf({ username: 'alice' } as never, 'admin:alice')).toBe(true)
    expect(isSelf({ username: 'alice' } as never, 'local:desktop')).toBe(false)
  })
})
