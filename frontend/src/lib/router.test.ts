import { describe, expect, it } from 'vitest'
import { hrefOf, screenFromHash, screenIds } from './router.svelte'

describe('screenFromHash', () => {
  it.each([
    ['', 'dashboard'],
    ['#', 'dashboard'],
    ['#/', 'dashboard'],
    ['#/clients', 'clients'],
    ['#/flow-tester', 'flow-tester'],
    ['#/audit?type=login', 'audit'],
    ['#/keys/kid-1', 'keys'],
    ['#/nope', 'dashboard'],
    ['#clients', 'clients'],
  ])('%j -> %s', (hash, want) => {
    expect(screenFromHash(hash)).toBe(want)
  })

  it('round-trips every screen through its href', () => {
    for (const id of screenIds) expect(screenFromHash(hrefOf(id))).toBe(id)
  })
})
