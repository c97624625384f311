// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushSync, mount, unmount } from 'svelte'

// Every api method answers never: the shell must not wait for any screen's data.
const api = vi.hoisted(
  () =>
    new Proxy({} as Record<string, () => Promise<unknown>>, {
      get: (t, name: string) => (t[name] ??= () => new Promise(() => {})),
    }),
)
vi.mock('./lib/api', async (orig) => ({ ...(await orig<typeof import('./lib/api')>()), api }))

const { default: App } = await import('./App.svelte')
const { screens } = await import('./lib/screens')
const { route } = await import('./lib/router.svelte')

let view: ReturnType<typeof mount> | undefined
afterEach(() => {
  if (view) unmount(view)
  view = undefined
  document.body.innerHTML = ''
})

describe('the console shell', () => {
  it('lists every screen in the sidebar as a named link to its hash route', () => {
    view = mount(App, { target: document.body })
    flushSync()
    const nav = document.querySelector('nav[aria-label="Console screens"]')!
    const links = [...nav.querySelectorAll('a')].map((a) => [a.textContent?.trim(), a.getAttribute('href')])
    expect(links).toEqual(screens.map((s) => [s.label, `#/${s.id}`]))
    expect(links.map((l) => l[0])).toEqual([
      'Dashboard',
      'Clients',
      'Users',
      'Identity providers',
      'Keys',
      'Tokens',
      'Flow tester',
      'Gateway',
      'Audit log',
      'Settings',
    ])
  })

  it('shows each screen with its heading and marks it current', () => {
    view = mount(App, { target: document.body })
    for (const s of screens) {
      route.screen = s.id
      flushSync()
      expect(document.querySelector('main h1')?.textContent).toBe(s.label)
      expect(document.querySelector('a[aria-current="page"]')?.textContent?.trim()).toBe(s.label)
      expect(document.title).toBe(`${s.label} · Latchkey`)
      // A screen not built yet says so plainly, and where it comes from.
      const notBuilt = document.querySelector('[data-testid="not-built"]')
      if (notBuilt) expect(notBuilt.textContent).toMatch(/Not built yet — coming in issue #\d+/)
    }
  })
})
