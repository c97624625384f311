import { describe, expect, it, vi } from 'vitest'
import { loadConfig, returnHash } from './auth'

const res = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

describe('loadConfig', () => {
  it('reads the sign-in parameters under the base path', async () => {
    const cfg = { auth: 'oauth', issuer: 'http://127.0.0.1:1', client_id: 'latchkey-console', redirect_uri: 'http://127.0.0.1:1/console/', scope: 'openid latchkey:admin', first_run: true }
    const f = vi.fn(async () => res(200, cfg))
    expect(await loadConfig('/lk', f as unknown as typeof fetch)).toEqual(cfg)
    expect((f.mock.calls[0] as unknown[])[0]).toBe('/lk/console/api/config')
  })

  it('treats a server without the endpoint (404) as needing no sign-in', async () => {
    const f = vi.fn(async () => res(404))
    expect((await loadConfig('', f as unknown as typeof fetch)).auth).toBe('none')
  })

  it('fails in words on another error', async () => {
    const f = vi.fn(async () => res(500))
    await expect(loadConfig('', f as unknown as typeof fetch)).rejects.toThrow(/500/)
  })
})

describe('returnHash', () => {
  it('returns to the screen the sign-in started from, once', () => {
    const st = new Map<string, string>([['latchkey.console.return', '#/keys']])
    const storage = { getItem: (k: string) => st.get(k) ?? null, removeItem: (k: string) => st.delete(k) } as unknown as Storage
    expect(returnHash(storage)).toBe('#/keys')
    expect(returnHash(storage)).toBe('#/dashboard')
  })
})
