// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'
import ConfirmDialog from './ConfirmDialog.svelte'

let view: ReturnType<typeof mount> | undefined
afterEach(() => {
  if (view) unmount(view)
  view = undefined
  document.body.innerHTML = ''
})

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 0))
    flushSync()
  }
}
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)!

function type(input: HTMLInputElement, value: string) {
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
  flushSync()
}

describe('ConfirmDialog', () => {
  it('acts only once the exact text is typed, then closes', async () => {
    const onconfirm = vi.fn(async () => {})
    const onclose = vi.fn()
    view = mount(ConfirmDialog, { target: document.body, props: { title: 'Revoke key k1?', message: 'Tokens stop.', confirmLabel: 'Revoke', typed: 'k1', onconfirm, onclose } })
    flushSync()
    expect(document.querySelector('[role="dialog"]')?.getAttribute('aria-labelledby')).toBeTruthy()
    const input = document.querySelector('input') as HTMLInputElement
    expect(document.querySelector(`label[for="${input.id}"]`)?.textContent).toMatch(/Type k1 to confirm/)
    expect(button('Revoke').disabled).toBe(true)
    type(input, 'k')
    expect(button('Revoke').disabled).toBe(true)
    type(input, 'k1')
    expect(button('Revoke').disabled).toBe(false)
    button('Revoke').click()
    await settle()
    expect(onconfirm).toHaveBeenCalledOnce()
    expect(onclose).toHaveBeenCalledOnce()
  })

  it('shows the error from Go in the dialog and stays open', async () => {
    const onclose = vi.fn()
    view = mount(ConfirmDialog, { target: document.body, props: { title: 'Delete?', message: 'Gone.', confirmLabel: 'Delete', onconfirm: async () => { throw new Error('app: client is in use') }, onclose } })
    flushSync()
    button('Delete').click()
    await settle()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('app: client is in use')
    expect(onclose).not.toHaveBeenCalled()
  })
})
