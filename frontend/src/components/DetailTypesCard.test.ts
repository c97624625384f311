// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'
import type { DetailType } from '../lib/api'

const api = vi.hoisted(() => ({
  listDetailTypes: vi.fn(),
  createDetailType: vi.fn(),
  updateDetailType: vi.fn(),
  deleteDetailType: vi.fn(),
}))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), api }))
const { default: DetailTypesCard } = await import('./DetailTypesCard.svelte')

const pay: DetailType = {
  type: 'payment_initiation', description: 'Payments', schema: '{"type":"object"}',
  consent_template: 'Pay {{amount}} {{currency}}', created_at: '2026-01-01T00:00:00Z', updated_at: '',
}

let view: ReturnType<typeof mount> | undefined
beforeEach(() => api.listDetailTypes.mockResolvedValue([pay]))
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
const input = (id: string) => document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement
const rows = () => [...document.querySelectorAll('table[aria-label="Authorization details types"] tbody tr')].map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent?.trim()).join(' | '))
function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  flushSync()
}

describe('DetailTypesCard', () => {
  it('lists the types with their consent sentence', async () => {
    view = mount(DetailTypesCard, { target: document.body })
    await settle()
    expect(rows()).toEqual(['payment_initiation | Pay {{amount}} {{currency}} | Payments'])
  })

  it('registers a type and shows Go’s reason when it refuses one', async () => {
    view = mount(DetailTypesCard, { target: document.body })
    await settle()
    api.createDetailType.mockRejectedValueOnce(new Error('schema is not a valid JSON Schema (draft 2020-12, no external $ref)'))
    type(input('dt-type'), 'account_information')
    type(input('dt-consent'), 'Read {{iban}}')
    type(input('dt-schema'), '{"type":"banana"}')
    button('Add type').click()
    await settle()
    expect(document.querySelector('[role="alert"]')?.textContent).toMatch(/not a valid JSON Schema/)
    api.createDetailType.mockImplementationOnce(async (i) => ({ ...i, created_at: '', updated_at: '' }))
    type(input('dt-schema'), '{"type":"object"}')
    button('Add type').click()
    await settle()
    expect(api.createDetailType).toHaveBeenLastCalledWith({ type: 'account_information', description: '',
      schema: '{"type":"object"}', consent_template: 'Read {{iban}}' })
    expect(rows()[0]).toBe('account_information | Read {{iban}} | ')
  })

  it('edits a type in place and deletes one only after confirmation', async () => {
    view = mount(DetailTypesCard, { target: document.body })
    await settle()
    ;(document.querySelector('[aria-label="Edit payment_initiation"]') as HTMLButtonElement).click()
    flushSync()
    expect((input('dt-type') as HTMLInputElement).readOnly).toBe(true)
    api.updateDetailType.mockImplementationOnce(async (i) => ({ ...i, created_at: '', updated_at: '' }))
    type(input('dt-consent'), 'Pay {{amount}}')
    button('Save type').click()
    await settle()
    expect(api.updateDetailType).toHaveBeenCalledWith({ type: 'payment_initiation', description: 'Payments',
      schema: '{"type":"object"}', consent_template: 'Pay {{amount}}' })
    ;(document.querySelector('[aria-label="Delete payment_initiation"]') as HTMLButtonElement).click()
    flushSync()
    expect(api.deleteDetailType).not.toHaveBeenCalled()
    api.deleteDetailType.mockResolvedValueOnce(undefined)
    button('Delete type').click()
    await settle()
    expect(api.deleteDetailType).toHaveBeenCalledWith('payment_initiation')
    expect(rows()).toEqual([])
  })
})
