// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'
import type { Client } from '../lib/api'

const api = vi.hoisted(() => ({
  status: vi.fn(),
  listClients: vi.fn(),
  listScopes: vi.fn(),
  listDetailTypes: vi.fn(),
  createClient: vi.fn(),
  rotateClientSecret: vi.fn(),
  deleteClient: vi.fn(),
}))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), api }))
const { default: Clients } = await import('./Clients.svelte')

const base: Client = {
  client_id: 'c1', client_name: 'Billing', client_type: 'confidential', redirect_uris: [], grant_types: ['client_credentials'],
  scope: 'orders:read', audience: [], token_endpoint_auth_method: 'client_secret_basic', access_token_ttl: 0, refresh_token_ttl: 0,
  post_logout_redirect_uris: [], previous_secret_valid: false, created_at: '2025-01-01T00:00:00Z', updated_at: '', require_mfa: false, authorization_details_types: [], subject_type: 'public',
}

let view: ReturnType<typeof mount> | undefined
beforeEach(() => {
  api.status.mockResolvedValue({ issuer: 'http://127.0.0.1:8421', addresses: [] })
  api.listClients.mockResolvedValue([base, { ...base, client_id: 'c2', client_name: 'Web shop', client_type: 'public' }])
  api.listDetailTypes.mockResolvedValue([])
  api.listScopes.mockResolvedValue([{ name: 'openid', description: '' }, { name: 'profile', description: '' }, { name: 'email', description: '' }])
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
const byLabel = (label: string) => document.querySelector(`[aria-label="${label}"]`) as HTMLElement
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement
const rows = () => [...document.querySelectorAll('table[aria-label="Clients"] tbody tr')].map((r) => r.querySelector('td')?.textContent?.trim())
function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  flushSync()
}

describe('Clients', () => {
  it('lists the clients and filters them as one types', async () => {
    view = mount(Clients, { target: document.body })
    await settle()
    expect(rows()).toEqual(['Billing', 'Web shop'])
    type(byLabel('Search clients') as HTMLInputElement, 'web')
    expect(rows()).toEqual(['Web shop'])
  })

  it('registers a single-page app as a public client by default', async () => {
    api.createClient.mockImplementation(async (input) => ({ ...base, ...input, client_id: 'new1' }))
    view = mount(Clients, { target: document.body })
    await settle()
    button('Register a client').click()
    await settle()
    const spa = document.querySelector('input[type="radio"][value="spa"]') as HTMLInputElement
    expect(spa.checked).toBe(true)
    type(document.getElementById('cf-name') as HTMLInputElement, 'My SPA')
    button('Register client').click()
    await settle()
    expect(api.createClient).toHaveBeenCalledOnce()
    expect(api.createClient.mock.calls[0][0]).toMatchObject({ client_name: 'My SPA', client_type: 'public', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] })
    expect(document.querySelector('[role="dialog"]')).toBeNull() // no secret to show: the form closes
    expect(rows()[0]).toBe('My SPA')
  })

  it('sends the sector identifier URI, offers pairwise subjects, and shows a pairwise client\'s sector', async () => {
    api.listClients.mockResolvedValue([{ ...base, client_id: 'pw', client_name: 'Clinic', subject_type: 'pairwise', sector: 'clinic.example',
      sector_identifier_uri: 'https://clinic.example/sector.json' }])
    api.createClient.mockImplementation(async (input) => ({ ...base, ...input, client_id: 'new2' }))
    view = mount(Clients, { target: document.body })
    await settle()
    button('Register a client').click()
    await settle()
    type(document.getElementById('cf-name') as HTMLInputElement, 'Lab')
    button('Show advanced settings').click()
    flushSync()
    // happy-dom cannot change a bound <select>: the choice is offered, public by default.
    const kind = document.getElementById('cf-subject-type') as HTMLSelectElement
    expect([...kind.options].map((o) => o.value)).toEqual(['public', 'pairwise'])
    expect(kind.value).toBe('public')
    type(document.getElementById('cf-sector-uri') as HTMLInputElement, 'https://lab.example/sector.json')
    button('Register client').click()
    await settle()
    expect(api.createClient.mock.calls[0][0]).toMatchObject({ subject_type: 'public', sector_identifier_uri: 'https://lab.example/sector.json' })
    const row = [...document.querySelectorAll('table[aria-label="Clients"] tbody tr')].find((r) => r.querySelector('td')?.textContent?.trim() === 'Clinic')
    ;(row?.querySelector('button, a') as HTMLElement | null)?.click()
    await settle()
    const detail = document.querySelector('[data-testid="client-detail"]')?.textContent ?? ''
    expect(detail).toContain('pairwise, sector clinic.example')
    expect(detail).toContain('https://clinic.example/sector.json')
  })

  it('shows a new confidential secret once, with a copy button', async () => {
    api.createClient.mockResolvedValue({ ...base, client_id: 'srv', client_name: 'Server', client_secret: 's3cret' })
    view = mount(Clients, { target: document.body })
    await settle()
    button('Register a client').click()
    await settle()
    const web = document.querySelector('input[type="radio"][value="web"]') as HTMLInputElement
    web.click()
    flushSync()
    type(document.getElementById('cf-name') as HTMLInputElement, 'Server')
    button('Register client').click()
    await settle()
    expect(api.createClient.mock.calls[0][0]).toMatchObject({ client_type: 'confidential', token_endpoint_auth_method: 'client_secret_basic' })
    expect((byLabel('Client secret') as HTMLInputElement).value).toBe('s3cret')
    expect(byLabel('Copy Client secret')).toBeTruthy()
    expect(document.body.textContent).toMatch(/shown once/)
  })

  it('rotates a secret with a grace period and shows the new one', async () => {
    api.rotateClientSecret.mockResolvedValue({ ...base, client_secret: 'n3w', previous_secret_valid: true, previous_secret_expires_at: '2025-01-02T00:00:00Z' })
    view = mount(Clients, { target: document.body })
    await settle()
    byLabel('Rotate the secret of Billing').click()
    flushSync()
    // One hour of grace unless chosen otherwise (happy-dom cannot change a bound <select>; the browser test does).
    const grace = document.getElementById('rotate-grace') as HTMLSelectElement
    expect(grace.options[grace.selectedIndex].textContent).toBe('1 hour')
    ;(document.querySelector('[role="dialog"] button[type="submit"]') as HTMLButtonElement).click()
    await settle()
    expect(api.rotateClientSecret).toHaveBeenCalledWith('c1', 3600)
    expect((byLabel('New client secret') as HTMLInputElement).value).toBe('n3w')
  })

  it('deletes only after a confirmation', async () => {
    api.deleteClient.mockResolvedValue(undefined)
    view = mount(Clients, { target: document.body })
    await settle()
    byLabel('Delete Billing').click()
    flushSync()
    expect(api.deleteClient).not.toHaveBeenCalled()
    expect(document.querySelector('[role="dialog"]')?.textContent).toMatch(/cannot be undone/)
    button('Delete client').click()
    await settle()
    expect(api.deleteClient).toHaveBeenCalledWith('c1')
    expect(rows()).toEqual(['Web shop'])
  })
})
