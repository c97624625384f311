// Hash-based routing: #/dashboard, #/clients, ... so deep links work both in
// the Wails window and in a browser under /console/ without server routes.

/** The screen ids, in sidebar order. */
export const screenIds = [
  'dashboard',
  'clients',
  'users',
  'identity-providers',
  'keys',
  'tokens',
  'flow-tester',
  'gateway',
  'audit',
  'settings',
] as const

export type ScreenId = (typeof screenIds)[number]

/** The screen a hash names; anything unknown is the Dashboard. */
export function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/, 1)[0]
  return (screenIds as readonly string[]).includes(id) ? (id as ScreenId) : 'dashboard'
}

/** The href that opens a screen. */
export function hrefOf(id: ScreenId): string {
  return `#/${id}`
}

/** The current route; follows the location hash. */
export const route = $state({ screen: screenFromHash(typeof location === 'undefined' ? '' : location.hash) })

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    route.screen = screenFromHash(location.hash)
  })
}
