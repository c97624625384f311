// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'

const api = vi.hoisted(() => ({ listKeys: vi.fn(), jwks: vi.fn(), rotateKey: vi.fn(), revokeKey: vi.fn() }))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), api }))
const { default: Keys } = await import('./Keys.svelte')

const active = { kid: 'KID-A', alg: 'ES256', state: 'active', created_at: '2025-01-01T00:00:00Z', activated_at: '2025-01-01T00:00:00Z', live_tokens: 3 }
const next = { kid: 'KID-N', alg: 'ES256', state: 'next', created_at: '2025-01-02T00:00:00Z', promote_at: '2099-01-01T00:00:00Z', live_tokens: 0 }

let view: ReturnType<typeof mount> | undefined
beforeEach(() => {
  api.listKeys.mockResolvedValue([active, next])
  api.jwks.mockResolvedValue('{"keys":[{"kid":"KID-A"},{"kid":"KID-N"}]}')
})
afterEach(() => {
  if (view) unmount(view)
  view = undefined
  document.body.innerHTML = ''
  vi.clearAllMocks()
})
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0))
    flushSync()
  }
}
const byLabel = (l: string) => document.querySelector(`[aria-label="${l}"]`) as HTMLElement
function type(id: string, value: string) {
  const el = document.getElementById(id) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  flushSync()
}

describe('Keys', () => {
  it('puts each key in its lane of the lifecycle', async () => {
    view = mount(Keys, { target: document.body })
    await settle()
    expect(byLabel('Next key KID-N').textContent).toMatch(/Takes over in/)
    expect(byLabel('Active key KID-A').textContent).toMatch(/3 live tokens/)
    expect(document.querySelector('[data-testid="jwks"]')?.textContent).toContain('"kid": "KID-N"')
  })

  it('revokes a key only with its kid typed and a reason', async () => {
    api.revokeKey.mockResolvedValue([{ ...next, state: 'revoked' }, active])
    api.jwks.mockResolvedValueOnce('{"keys":[{"kid":"KID-A"},{"kid":"KID-N"}]}').mockResolvedValue('{"keys":[{"kid":"KID-A"}]}')
    view = mount(Keys, { target: document.body })
    await settle()
    byLabel('Revoke key KID-N').click()
    flushSync()
    const dialog = document.querySelector('[role="dialog"]')!
    const submit = [...dialog.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Revoke the key')!
    const typedId = dialog.querySelector('label code')?.closest('label')?.getAttribute('for') as string
    type(typedId, 'KID-N')
    expect(submit.disabled).toBe(true) // no reason yet
    type('revoke-reason', 'leaked in a log')
    expect(submit.disabled).toBe(false)
    submit.click()
    await settle()
    expect(api.revokeKey).toHaveBeenCalledWith('KID-N', 'leaked in a log')
    expect(document.querySelector('[role="status"]')?.textContent).toMatch(/Key KID-N revoked/)
    expect(document.querySelector('[data-testid="jwks"]')?.textContent).not.toContain('KID-N')
  })
})
