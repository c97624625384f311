import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  autoTransport,
  basePath,
  createApi,
  httpTransport,
  wailsTransport,
  type Status,
} from './api'

const status: Status = {
  issuer: 'http://127.0.0.1:8421',
  addresses: ['127.0.0.1:8421'],
  tls: false,
  dataDir: '/tmp/lk',
  store: 'badger /tmp/lk/store',
  startedAt: '2025-01-01T00:00:00Z',
  uptimeSeconds: 42,
  version: '0.1.0-dev',
  discoveryURL: 'http://127.0.0.1:8421/.well-known/openid-configuration',
  jwksURL: 'http://127.0.0.1:8421/jwks.json',
  nodeID: 'node-a',
  mode: 'serve',
}

function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    ...init,
  })
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('basePath', () => {
  it.each([
    ['/console/', ''],
    ['/console/index.html', ''],
    ['/console', ''],
    ['/lk/console/', '/lk'],
    ['/', ''],
    ['/index.html', ''],
  ])('%s -> %j', (path, want) => {
    expect(basePath(path)).toBe(want)
  })
})

describe('httpTransport', () => {
  it('POSTs the arguments as a JSON array and returns result', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ result: status }))
    const api = createApi(httpTransport('/base', fetchFn as unknown as typeof fetch))
    await expect(api.status()).resolves.toEqual(status)
    expect(fetchFn).toHaveBeenCalledTimes(1)
    const [url, init] = fetchFn.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/base/console/api/Status')
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
    expect(init.body).toBe('[]')
  })

  it('passes arguments in order', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ result: 'ok' }))
    const call = httpTransport('', fetchFn as unknown as typeof fetch)
    await expect(call('Echo', ['a', 2, { b: true }])).resolves.toBe('ok')
    const [url, init] = fetchFn.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/console/api/Echo')
    expect(JSON.parse(init.body as string)).toEqual(['a', 2, { b: true }])
  })

  it('gives status() an empty address list when Go sends null', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ result: { ...status, addresses: null } }))
    const got = await createApi(httpTransport('', fetchFn as unknown as typeof fetch)).status()
    expect(got.addresses).toEqual([])
  })

  it('resolves ready() to undefined on {"result": null}', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ result: null }))
    await expect(createApi(httpTransport('', fetchFn as unknown as typeof fetch)).ready()).resolves.toBeUndefined()
  })

  it('throws the server error message on a non-2xx answer', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ error: 'app: the store is closed' }, { status: 500 }))
    const err = await createApi(httpTransport('', fetchFn as unknown as typeof fetch))
      .status()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toBeInstanceOf(Error)
    expect((err as ApiError).message).toBe('app: the store is closed')
    expect((err as ApiError).status).toBe(500)
    expect((err as ApiError).method).toBe('Status')
  })

  it('names the status when an error answer is not JSON', async () => {
    const fetchFn = vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    await expect(httpTransport('', fetchFn as unknown as typeof fetch)('Status', [])).rejects.toThrow(
      'the server answered 502 Bad Gateway',
    )
  })

  it('rejects a 2xx answer without a result', async () => {
    const fetchFn = vi.fn(async () => jsonResponse('not json at all'))
    await expect(httpTransport('', fetchFn as unknown as typeof fetch)('Status', [])).rejects.toThrow(/not understood/)
  })

  it('says the server could not be reached when fetch fails', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(httpTransport('', fetchFn as unknown as typeof fetch)('Status', [])).rejects.toThrow(
      'Could not reach the Latchkey server: Failed to fetch',
    )
  })
})

describe('wailsTransport', () => {
  it('calls the bound method with the arguments', async () => {
    const Status = vi.fn(async () => status)
    const api = createApi(wailsTransport(() => ({ Status })))
    await expect(api.status()).resolves.toEqual(status)
    expect(Status).toHaveBeenCalledWith()
  })

  it('turns a Go error (a rejected string) into an ApiError', async () => {
    const Status = vi.fn(() => Promise.reject('app: the store is closed'))
    const err = await createApi(wailsTransport(() => ({ Status })))
      .status()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).message).toBe('app: the store is closed')
    expect((err as ApiError).status).toBeUndefined()
  })

  it('keeps the message of a rejected Error', async () => {
    const Ready = vi.fn(() => Promise.reject(new Error('boom')))
    await expect(createApi(wailsTransport(() => ({ Ready }))).ready()).rejects.toThrow('boom')
  })

  it('says so when the method is not bound', async () => {
    await expect(wailsTransport(() => ({}))('Status', [])).rejects.toThrow(/does not offer "Status"/)
  })
})

describe('autoTransport', () => {
  it('uses the Wails bindings when window.go is there', async () => {
    const Status = vi.fn(async () => status)
    const fetchFn = vi.fn()
    vi.stubGlobal('window', { go: { app: { App: { Status } } }, location: { pathname: '/' } })
    vi.stubGlobal('fetch', fetchFn)
    await expect(createApi(autoTransport()).status()).resolves.toEqual(status)
    expect(Status).toHaveBeenCalledTimes(1)
    expect(fetchFn).not.toHaveBeenCalled()
  })

  it('uses HTTP under the page base when there is no window.go', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ result: status }))
    vi.stubGlobal('window', { location: { pathname: '/console/' } })
    vi.stubGlobal('fetch', fetchFn)
    await expect(createApi(autoTransport()).status()).resolves.toEqual(status)
    expect(fetchFn).toHaveBeenCalledTimes(1)
    expect((fetchFn.mock.calls[0] as unknown as [string])[0]).toBe('/console/api/Status')
  })
})
