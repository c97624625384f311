// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'
import type { Status } from '../lib/api'

const status: Status = {
  issuer: 'http://127.0.0.1:8421',
  addresses: ['127.0.0.1:8421', '[::1]:8421'],
  tls: false,
  dataDir: '/var/lib/latchkey',
  store: 'postgres://lk:xxxxx@db.internal:5432/latchkey?sslmode=require',
  startedAt: '2025-01-01T00:00:00Z',
  uptimeSeconds: 3725,
  version: '1.2.3',
  discoveryURL: 'http://127.0.0.1:8421/.well-known/openid-configuration',
  jwksURL: 'http://127.0.0.1:8421/jwks.json',
  mode: 'serve',
  nodeID: 'node-a',
}

const api = vi.hoisted(() => ({
  status: vi.fn(),
  ready: vi.fn(),
  dashboardSeries: vi.fn(),
  recentAlerts: vi.fn(),
  clusterNodes: vi.fn(),
  mfaStatus: vi.fn(),
  listUsers: vi.fn(),
  listClients: vi.fn(),
  listGrants: vi.fn(),
  queryAudit: vi.fn(),
}))
vi.mock('../lib/api', async (orig) => ({ ...(await orig<typeof import('../lib/api')>()), api }))

const { default: Dashboard } = await import('./Dashboard.svelte')
const { instance } = await import('../lib/instance.svelte')

let target: HTMLElement
let view: ReturnType<typeof mount> | undefined

beforeEach(() => {
  api.status.mockReset()
  api.ready.mockReset().mockResolvedValue(undefined)
  api.dashboardSeries.mockReset().mockResolvedValue([
    { name: 'tokens_issued', step_seconds: 10, points: [{ t: '2025-01-01T00:00:00Z', v: 3 }, { t: '2025-01-01T00:00:10Z', v: 4 }] },
    { name: 'failures', step_seconds: 10, points: [] },
  ])
  api.recentAlerts.mockReset().mockResolvedValue([])
  api.mfaStatus.mockReset().mockResolvedValue({ with_second_factor: 1, without_second_factor: 1 })
  api.clusterNodes.mockReset().mockResolvedValue([
    { id: 'node-a', version: '1.2.3', address: '10.0.0.1:8421', started_at: '2025-01-01T00:00:00Z', last_seen: '2025-01-01T01:00:00Z', this: true },
    { id: 'node-b', version: '1.2.2', address: '10.0.0.2:8421', started_at: '2025-01-01T00:00:00Z', last_seen: '2025-01-01T00:59:58Z', this: false },
  ])
  api.listUsers.mockReset().mockResolvedValue([])
  api.listClients.mockReset().mockResolvedValue([])
  api.listGrants.mockReset().mockResolvedValue([])
  api.queryAudit.mockReset().mockResolvedValue({ events: [], next: '' })
  instance.status = undefined
  instance.error = undefined
  target = document.createElement('div')
  document.body.appendChild(target)
})

afterEach(() => {
  if (view) unmount(view)
  view = undefined
  target.remove()
})

const byTestId = (id: string) => target.querySelector(`[data-testid="${id}"]`)?.textContent?.trim()

async function settle() {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve()
    await new Promise((r) => setTimeout(r, 0))
    flushSync()
  }
}

describe('Dashboard', () => {
  it('ticks the first steps from what the server holds', async () => {
    api.status.mockResolvedValue(status)
    api.listUsers.mockResolvedValue([{ id: 'u1', username: 'admin', admin: true }, { id: 'u2', username: 'alice', admin: false }])
    api.listClients.mockResolvedValue([{ client_id: 'latchkey-console' }, { client_id: 'shop' }])
    api.queryAudit.mockResolvedValue({ events: [{ seq: 1, type: 'token.issued', client_id: 'latchkey-console' }], next: '' })
    view = mount(Dashboard, { target })
    await settle()
    const done = (id: string) => target.querySelector(`[data-testid="step-${id}"]`)?.classList.contains('done')
    expect([done('user'), done('client'), done('flow')]).toEqual([true, true, false])
    expect(byTestId('first-steps')).toMatch(/2 of 3 done/)
  })

  it('charts the last hour and lists the alerts the server raised', async () => {
    api.status.mockResolvedValue(status)
    api.recentAlerts.mockResolvedValue([{ time: '2025-01-01T00:00:00Z', rule: 'refresh_reuse', message: 'refresh token reuse for client c1' }])
    view = mount(Dashboard, { target })
    await settle()
    expect(api.dashboardSeries).toHaveBeenCalledWith('hour')
    expect(target.querySelector('[data-testid="chart-tokens_issued"] svg')?.getAttribute('aria-label')).toMatch(/7 in all/)
    expect(byTestId('dashboard-alerts')).toMatch(/refresh token reuse for client c1/)
  })

  it("lists the cluster's nodes with their last heartbeat, and this node's id", async () => {
    api.status.mockResolvedValue(status)
    view = mount(Dashboard, { target })
    await settle()
    expect(byTestId('dashboard-node')).toBe('Node node-a')
    const rows = [...target.querySelectorAll('[data-testid="dashboard-nodes"] tbody tr')].map((r) => r.textContent ?? '')
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatch(/node-a\s*this node/)
    expect(rows[1]).toContain('1.2.2')
    expect(rows[1]).toContain('10.0.0.2:8421')
    expect(target.querySelector('[data-testid="dashboard-nodes"] time')?.getAttribute('datetime')).toBe('2025-01-01T01:00:00Z')
  })

  it('counts the users with and without a second factor', async () => {
    api.status.mockResolvedValue(status)
    api.mfaStatus.mockResolvedValue({ with_second_factor: 3, without_second_factor: 2 })
    view = mount(Dashboard, { target })
    await settle()
    expect(byTestId('dashboard-mfa')).toBe('3 with · 2 without')
  })

  it('shows the facts Go reports and tells Go once it is ready', async () => {
    api.status.mockResolvedValue(status)
    view = mount(Dashboard, { target })
    await settle()
    expect(target.querySelector('h1')?.textContent).toBe('Dashboard')
    expect(byTestId('dashboard-issuer')).toBe(status.issuer)
    expect(byTestId('dashboard-datadir')).toBe(status.dataDir)
    expect(byTestId('dashboard-store')).toBe(status.store)
    expect(byTestId('dashboard-addresses')).toContain('[::1]:8421')
    expect(byTestId('dashboard-tls')).toContain('Off')
    expect(byTestId('dashboard-version')).toBe('1.2.3')
    expect(byTestId('dashboard-uptime')).toBe('1h 02m 05s')
    expect(byTestId('dashboard-discovery')).toBe(status.discoveryURL)
    expect(target.querySelector('[role="alert"]')).toBeNull()
    expect(api.ready).toHaveBeenCalledTimes(1)
    // every copy button is named for what it copies
    const names = [...target.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim())
    expect(names).toEqual(
      expect.arrayContaining(['Copy issuer URL', 'Copy discovery URL', 'Copy JWKS URL', 'Copy data directory', 'Refresh status']),
    )
  })

  it('shows an error from Go in words, does not claim ready, and retries', async () => {
    api.status.mockRejectedValueOnce(new Error('app: the store is closed'))
    view = mount(Dashboard, { target })
    await settle()
    const alert = target.querySelector('[role="alert"]')
    expect(alert?.textContent).toContain('Could not load the server status.')
    expect(alert?.textContent).toContain('app: the store is closed')
    expect(api.ready).not.toHaveBeenCalled()

    api.status.mockResolvedValue(status)
    const retry = [...alert!.querySelectorAll('button')].find((b) => b.textContent?.includes('Try again'))
    retry!.click()
    await settle()
    expect(target.querySelector('[role="alert"]')).toBeNull()
    expect(byTestId('dashboard-issuer')).toBe(status.issuer)
    expect(api.ready).toHaveBeenCalledTimes(1)
  })
})
