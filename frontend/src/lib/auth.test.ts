import { describe, expect, it, vi } from 'vitest'
import { accessToken, base64url, beginLogin, challengeOf, completeLogin, type ConsoleConfig } from './auth'
import { httpTransport } from './api'

class MemStorage {
  m = new Map<string, string>()
  getItem(k: string) { return this.m.get(k) ?? null }
  setItem(k: string, v: string) { this.m.set(k, v) }
  removeItem(k: string) { this.m.delete(k) }
}

const cfg: ConsoleConfig = {
  auth: 'oauth', issuer: 'http://127.0.0.1:8421', client_id: 'latchkey-console',
  redirect_uri: 'http://127.0.0.1:8421/console/', scope: 'openid latchkey:admin', first_run: false,
}

describe('PKCE', () => {
  it('computes S256 as an independent SHA-256 (Python hashlib) does', async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mJ92K1DhVWfXUYgNrRPmWwc6p-Y2yc')).toBe('baCC80qzIp2YBdfdfqn7zoiIx7UMYvFB1daV0ebBKXY')
    expect(base64url(new Uint8Array([251, 255]))).toBe('-_8')
  })
})

describe('sign-in', () => {
  it('sends the browser to /authorize with S256 and remembers state and verifier', async () => {
    const st = new MemStorage() as unknown as Storage
    vi.stubGlobal('window', { location: { hash: '#/keys' } })
    let to = ''
    await beginLogin(cfg, st, (u) => (to = u))
    const u = new URL(to)
    expect(u.origin + u.pathname).toBe('http://127.0.0.1:8421/authorize')
    expect(u.searchParams.get('code_challenge_method')).toBe('S256')
    expect(u.searchParams.get('code_challenge')).toBe(await challengeOf(st.getItem('latchkey.console.verifier')!))
    expect(u.searchParams.get('state')).toBe(st.getItem('latchkey.console.state'))
  })

  it('refuses an answer with the wrong state or issuer, and redeems a good one', async () => {
    const st = new MemStorage() as unknown as Storage
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ access_token: 'at-1' }), { status: 200 }))
    st.setItem('latchkey.console.state', 's1')
    st.setItem('latchkey.console.verifier', 'v1')
    await expect(completeLogin(cfg, '?code=c&state=other&iss=http://127.0.0.1:8421', st, fetchFn)).rejects.toThrow(/state/)
    st.setItem('latchkey.console.state', 's1')
    await expect(completeLogin(cfg, '?code=c&state=s1&iss=http://evil', st, fetchFn)).rejects.toThrow(/issuer/)
    st.setItem('latchkey.console.state', 's1')
    st.setItem('latchkey.console.verifier', 'v1')
    expect(await completeLogin(cfg, '?code=c&state=s1&iss=http%3A%2F%2F127.0.0.1%3A8421', st, fetchFn)).toBe(true)
    expect(accessToken(st)).toBe('at-1')
    const body = (fetchFn.mock.calls.at(-1) as unknown as [string, RequestInit])[1].body as URLSearchParams
    expect(body.get('code_verifier')).toBe('v1')
    expect(await completeLogin(cfg, '?', st, fetchFn)).toBe(false)
  })

  it('sends the token and reports a 401', async () => {
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ error: 'login required' }), { status: 401 }))
    const onUnauthorized = vi.fn()
    await expect(httpTransport('', fetchFn, () => 'tok', onUnauthorized)('Status', [])).rejects.toThrow(/login required/)
    const init = (fetchFn.mock.calls[0] as unknown as [string, RequestInit])[1]
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok')
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })
})
