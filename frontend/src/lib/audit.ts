// The Audit log screen's rules: the filter form as a query, and merging a
// poll's answer into the events shown.
import type { AuditEvent, AuditFilter } from './api'

/** The filter form as the person fills it in (datetime-local values). */
export interface AuditForm {
  type: string
  outcome: string
  client_id: string
  subject: string
  from: string
  to: string
  expr: string
}

export const emptyAuditForm = (): AuditForm => ({ type: '', outcome: '', client_id: '', subject: '', from: '', to: '', expr: '' })

/** A datetime-local value ("2025-01-02T03:04") as RFC 3339 UTC, '' for none. */
export function isoOf(local: string): string {
  if (!local) return ''
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function filterOf(f: AuditForm, limit = 100): AuditFilter {
  return {
    types: f.type ? [f.type] : [],
    outcome: f.outcome,
    client_id: f.client_id.trim(),
    subject: f.subject.trim(),
    from: isoOf(f.from),
    to: isoOf(f.to),
    remote_addr: '',
    expr: f.expr.trim(),
    limit,
    cursor: '',
  }
}

/** One event's identity: each node of a cluster numbers its own hash chain. */
export const eventKey = (e: AuditEvent): string => `${e.node ?? ''}/${e.seq}`

/**
 * Puts the events of the newest page that are not shown yet on top (newest
 * first), keeping at most `keep`. An event is told by its node and seq: on
 * a cluster several nodes record, each numbering its own chain.
 */
export function prependNew(shown: AuditEvent[], page: AuditEvent[], keep = 500): AuditEvent[] {
  const seen = new Set(shown.map(eventKey))
  const fresh = page
    .filter((e) => !seen.has(eventKey(e)))
    .sort((a, b) => (a.time === b.time ? b.seq - a.seq : a.time < b.time ? 1 : -1))
  return fresh.length === 0 ? shown : [...fresh, ...shown].slice(0, keep)
}

/** The event types the filter offers (Go: audit.Type constants). */
export const AUDIT_TYPES = [
  'login.succeeded', 'login.failed', 'account.locked', 'token.issued', 'token.refreshed', 'token.revoked', 'token.introspected',
  'token.denied', 'token.exchanged', 'refresh.reuse_detected', 'code.issued', 'code.reuse_detected', 'authorize.denied',
  'client.created', 'client.updated', 'client.deleted', 'client.secret_rotated', 'client.auth_failed', 'user.created',
  'user.updated', 'key.created', 'key.rotated', 'key.revoked', 'key.removed', 'consent.granted', 'consent.denied',
  'session.ended', 'logout.requested', 'ciba.requested', 'ciba.notified', 'admin.action', 'gateway.denied', 'ratelimit.hit', 'alert.raised', 'server.started',
]
