// The Keys screen's rules: which lane of the lifecycle a key sits in.
import type { Key } from './api'

export const LANES = [
  { state: 'next', label: 'Next', help: 'Published in the JWKS, not signing yet, so relying parties fetch it before it is used.' },
  { state: 'active', label: 'Active', help: 'Signs new tokens.' },
  { state: 'retired', label: 'Retired', help: 'No longer signs; published until every token it signed has expired.' },
] as const

const ORDER: Record<string, number> = { next: 0, active: 1, retired: 2, revoked: 3 }

/** Keys in lifecycle order, newest first within a state. */
export function sortKeys(keys: Key[]): Key[] {
  return [...keys].sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || b.created_at.localeCompare(a.created_at))
}

/** The algorithms that have an active key: the ones a rotation can be staged for. */
export function activeAlgs(keys: Key[]): string[] {
  return [...new Set(keys.filter((k) => k.state === 'active').map((k) => k.alg))]
}

/** A kid shortened for a narrow column or a select (the full kid goes in a title). */
export function shortKid(kid: string, keep = 12): string {
  return kid.length <= keep + 1 ? kid : `${kid.slice(0, keep)}…`
}
