// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'

const api = vi.hoisted(() => ({ listRoutes: vi.fn(), gatewayStats: vi.fn(), updateRoute: vi.fn(), addRoute: vi.fn() }))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), api }))
const { default: Gateway } = await import('./Gateway.svelte')

const route = { prefix: '/forms/', upstream: 'http://127.0.0.1:9000', form_tokens: true }

let view: ReturnType<typeof mount> | undefined
beforeEach(() => {
  api.listRoutes.mockResolvedValue([route])
  api.gatewayStats.mockResolvedValue([])
  api.updateRoute.mockImplementation(async (_p: string, r: unknown) => [r])
  api.addRoute.mockImplementation(async (r: unknown) => [r])
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
// The form-token checkbox, found by its accessible name (the label's text).
const formTokens = () =>
  [...document.querySelectorAll('label')].find((l) => /access token in a form body/.test(l.textContent ?? ''))?.querySelector('input[type="checkbox"]') as HTMLInputElement | undefined
const submit = async () => {
  document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }))
  await settle()
}

describe('Gateway route form', () => {
  it('keeps form_tokens when a route is saved unchanged', async () => {
    view = mount(Gateway, { target: document.body })
    await settle()
    byLabel('Edit route /forms/').click()
    flushSync()
    expect(formTokens()?.checked).toBe(true)
    await submit()
    expect(api.updateRoute).toHaveBeenCalledWith('/forms/', expect.objectContaining({ form_tokens: true }))
  })

  it('turns form_tokens off and on from its labelled checkbox', async () => {
    view = mount(Gateway, { target: document.body })
    await settle()
    byLabel('Edit route /forms/').click()
    flushSync()
    formTokens()!.click()
    flushSync()
    await submit()
    expect(api.updateRoute.mock.calls[0][1].form_tokens).toBeUndefined()

    const add = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Add a route')!
    add.click()
    flushSync()
    expect(formTokens()?.checked).toBe(false)
    formTokens()!.click()
    flushSync()
    await submit()
    expect(api.addRoute).toHaveBeenCalledWith(expect.objectContaining({ prefix: '/api/', form_tokens: true }))
  })
})
