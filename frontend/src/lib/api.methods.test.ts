import { describe, expect, it, vi } from 'vitest'
import { createApi, emptyAuditFilter, type Api } from './api'

// Each typed method calls its Go method with the arguments in Go's order.
describe('createApi', () => {
  const filter = { client_id: 'c', user_id: '', scope: '', kid: '', include_revoked: false }
  const cases: [keyof Api, unknown[], string, unknown[]][] = [
    ['listClients', [], 'ListClients', []],
    ['getClient', ['c1'], 'GetClient', ['c1']],
    ['deleteClient', ['c1'], 'DeleteClient', ['c1']],
    ['rotateClientSecret', ['c1', 3600.7], 'RotateClientSecret', ['c1', 3600]],
    ['createRegistrationToken', [86400], 'CreateRegistrationToken', [86400]],
    ['setUserDisabled', ['bob', true], 'SetUserDisabled', ['bob', true]],
    ['setUserPassword', ['bob', 'pw'], 'SetUserPassword', ['bob', 'pw']],
    ['revokeConsent', ['bob', 'c1'], 'RevokeConsent', ['bob', 'c1']],
    ['createScope', ['orders:read', 'Read orders'], 'CreateScope', ['orders:read', 'Read orders']],
    ['listDetailTypes', [], 'ListAuthorizationDetailTypes', []],
    ['deleteDetailType', ['payment_initiation'], 'DeleteAuthorizationDetailType', ['payment_initiation']],
    ['rotateKey', ['ES256'], 'RotateKey', ['ES256']],
    ['revokeKey', ['k1', 'leaked'], 'RevokeKey', ['k1', 'leaked']],
    ['listGrants', [filter], 'ListGrants', [filter]],
    ['revokeGrant', ['g1', 'why'], 'RevokeGrant', ['g1', 'why']],
    ['revokeTokensOf', ['user', 'u1'], 'RevokeTokensOf', ['user', 'u1']],
    ['removeRoute', ['/api/'], 'RemoveRoute', ['/api/']],
    ['updateRoute', ['/api/', { prefix: '/v2/' }], 'UpdateRoute', ['/api/', { prefix: '/v2/' }]],
    ['queryAudit', [emptyAuditFilter(10)], 'QueryAudit', [emptyAuditFilter(10)]],
    ['exportAudit', [emptyAuditFilter(0)], 'ExportAudit', [emptyAuditFilter(0)]],
    ['startFlow', [{ flow: 'client_credentials' }], 'StartFlow', [{ flow: 'client_credentials' }]],
    ['exportFlow', ['f1', 'curl'], 'ExportFlow', ['f1', 'curl']],
    ['saveFlow', ['n', { flow: 'refresh' }, true], 'SaveFlow', ['n', { flow: 'refresh' }, true]],
    ['updateIdentityProvider', ['acme', { enabled: false }], 'UpdateIdentityProvider', ['acme', { enabled: false }]],
    ['removeIdentityProvider', ['acme'], 'RemoveIdentityProvider', ['acme']],
    ['testIdentityProvider', ['https://a.example'], 'TestIdentityProvider', ['https://a.example']],
    ['createFirstAdmin', [{ username: 'root' }], 'CreateFirstAdmin', [{ username: 'root', admin: true }]],
  ]
  it.each(cases)('%s calls %s', async (name, args, method, want) => {
    const call = vi.fn(async () => null)
    const api = createApi(call)
    await (api[name] as (...a: unknown[]) => Promise<unknown>)(...args)
    expect(call).toHaveBeenCalledWith(method, want)
  })

  it('turns the null lists Go sends for nothing into empty lists', async () => {
    const api = createApi(async () => null)
    expect(await api.listClients()).toEqual([])
    expect(await api.listUsers()).toEqual([])
    expect(await api.listKeys()).toEqual([])
    expect(await api.listRoutes()).toEqual([])
    expect(await api.gatewayStats()).toEqual([])
    expect(await api.queryAudit(emptyAuditFilter())).toEqual({ events: [], next: '', names: {} })
  })

  it('fills null lists inside records', async () => {
    const api = createApi(async (m) =>
      m === 'ListConsents' ? [{ client_id: 'c', scopes: null }] : [{ id: 'g', audience: null }],
    )
    expect((await api.listConsents('bob'))[0].scopes).toEqual([])
    const [g] = await api.listGrants({ client_id: '', user_id: '', scope: '', kid: '', include_revoked: false })
    expect(g.audience).toEqual([])
    expect(g.kids).toEqual([])
  })

  it('reads a token inspection whose header and claims are raw JSON', async () => {
    const api = createApi(async () => ({ format: 'jwt', header: '{"alg":"ES256"}', claims: { sub: 'u1' }, signature: 'valid', active: true }))
    const got = await api.inspectToken('x.y.z')
    expect(got.header).toEqual({ alg: 'ES256' })
    expect(got.claims).toEqual({ sub: 'u1' })
  })

  it('reports how many grants were revoked', async () => {
    expect(await createApi(async () => 3).revokeTokensOf('client', 'c1')).toBe(3)
  })
})

import { openExternal } from './api'
describe('openExternal', () => {
  it('uses the system browser in the Wails window and a new tab elsewhere', () => {
    const BrowserOpenURL = vi.fn()
    const open = vi.fn()
    openExternal('https://x.example/', { go: { app: { App: {} } }, runtime: { BrowserOpenURL }, open })
    expect(BrowserOpenURL).toHaveBeenCalledWith('https://x.example/')
    expect(open).not.toHaveBeenCalled()
    openExternal('https://y.example/', { open })
    expect(open).toHaveBeenCalledWith('https://y.example/', '_blank', 'noopener')
  })
})
