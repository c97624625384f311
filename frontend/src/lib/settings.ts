// The Settings form: its values, the checks made before asking the server
// (which decides: its CheckSettings answers the bounds in words), what
// changed, and the words each field explains itself with.

import { ApiError, type Setting, type SettingChange, type Settings } from './api'

/** The form's values, by setting key, as typed. */
export type SettingsForm = Record<string, string>

/** What each setting does, shown under its field. */
export const SETTING_HELP: Record<string, string> = {
  access_token_ttl:
    'How long an access token is valid when its client sets no lifetime of its own. Short lifetimes limit what a leaked token can do; revocation reaches the embedded gateway at once either way.',
  refresh_token_ttl:
    'How long a refresh-token family lives from its first issue, however often it rotates. Must be at least the access-token lifetime.',
  token_rate_per_client:
    'Ceiling on /token, /revoke, /introspect, /par and /device_authorization per client: "N/s", "N/m" or "N/h" (bursts of 2N), or "off". A flood guard, not a brute-force guard.',
  token_rate_per_ip: 'The same ceiling per remote IP address.',
  auth_failure_burst:
    'Wrong client secrets or assertions accepted at once, per client and per IP, before the throttle below applies (OAuth 2.1 §2.4.1). Right credentials are never slowed.',
  auth_failure_rate: 'After that burst, how often one more failed client authentication is allowed: "1/s", "30/m"… It cannot be turned off.',
  lockout_threshold: 'Wrong passwords that lock a user account. While locked, even the right password fails; an administrator can unlock it on the Users screen.',
  lockout_window: 'Only failures within this period count towards the lockout.',
  lockout_duration: 'How long a locked account stays locked.',
  admins_must_use_mfa: '"on": administrators sign in with a second factor (and set one up at their next sign-in). On by default unless the issuer is a loopback URL.',
  audit_retention: 'How long audit events are kept; older ones are pruned (the hash chain stays verifiable). A shorter retention prunes at once.',
}

/** The groups the form shows, in order, with the keys in each. */
export const SETTING_GROUPS: { id: string; title: string; keys: string[] }[] = [
  { id: 'lifetimes', title: 'Token lifetimes', keys: ['access_token_ttl', 'refresh_token_ttl'] },
  { id: 'limits', title: 'Rate limits', keys: ['token_rate_per_client', 'token_rate_per_ip', 'auth_failure_burst', 'auth_failure_rate'] },
  { id: 'lockout', title: 'Account lockout', keys: ['lockout_threshold', 'lockout_window', 'lockout_duration'] },
  { id: 'mfa', title: 'Second factor', keys: ['admins_must_use_mfa'] },
  { id: 'retention', title: 'Audit retention', keys: ['audit_retention'] },
]

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }
const UNIT_WORD: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' }

/** Seconds in a duration written "90s", "15m", "1h30m", "30d"; undefined when it is not one. */
export function parseDuration(v: string): number | undefined {
  const t = v.trim()
  if (!/^(\d{1,6}[smhd])+$/.test(t)) return undefined
  let total = 0
  for (const [, n, u] of t.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT[u]
  return total
}

/** "30d" -> "30 days", "1h30m" -> "1 hour 30 minutes"; other text as it is. */
export function durationWords(v: string): string {
  if (parseDuration(v) === undefined) return v
  return [...v.trim().matchAll(/(\d+)([smhd])/g)].map(([, n, u]) => `${Number(n)} ${UNIT_WORD[u]}${n === '1' ? '' : 's'}`).join(' ')
}

/** Where a value comes from, in words. */
export function sourceText(s: Setting): string {
  switch (s.source) {
    case 'saved':
      return `saved in Settings (default ${s.default})`
    case 'flag':
      return `default, from ${s.flag}`
    default:
      return 'built-in default'
  }
}

/** The form for the values in force. */
export function formFromSettings(s: Settings): SettingsForm {
  return Object.fromEntries(s.policy.map((p) => [p.key, p.value]))
}

/** The form with every default: Reset to defaults, then Save. */
export function defaultsForm(s: Settings): SettingsForm {
  return Object.fromEntries(s.policy.map((p) => [p.key, p.default]))
}

/** The values the form changes, trimmed: what Save sends. */
export function changedValues(form: SettingsForm, s: Settings): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of s.policy) {
    const v = (form[p.key] ?? '').trim()
    if (v !== p.value) out[p.key] = v
  }
  return out
}

/**
 * Problems the form can see on its own, by key, in the server's words: the
 * format of each value, its bounds, and refresh ≥ access. The server checks
 * again and has the last word.
 */
export function checkSettingsForm(form: SettingsForm, s: Settings): Record<string, string> {
  const errs: Record<string, string> = {}
  for (const p of s.policy) {
    const v = (form[p.key] ?? '').trim()
    if (v === p.default || v === p.value) continue // unchanged, or back to the default
    if (p.kind === 'duration') {
      const secs = parseDuration(v)
      if (secs === undefined) errs[p.key] = 'write a duration like "90s", "15m", "12h" or "30d"'
      else if (p.min && p.max && (secs < (parseDuration(p.min) ?? 0) || secs > (parseDuration(p.max) ?? Infinity)))
        errs[p.key] = `must be from ${p.min} to ${p.max}`
    } else if (p.kind === 'rate') {
      const mayBeOff = p.key.startsWith('token_rate')
      const m = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(v)
      if (!(mayBeOff && v === 'off') && (!m || Number(m[1]) < 1 || Number(m[1]) > 1_000_000))
        errs[p.key] = mayBeOff ? 'write a count per second, minute or hour, like "100/s", "600/m" or "10/h", or "off"' : 'write a count per second, minute or hour, like "1/s" or "30/m"'
      else if (m && p.max && perSecond(v) > perSecond(p.max)) errs[p.key] = `must be at most ${p.max}`
    } else if (p.kind === 'switch') {
      if (v !== 'on' && v !== 'off') errs[p.key] = 'must be "on" or "off"'
    } else if (!/^\d+$/.test(v)) {
      errs[p.key] = 'must be a whole number'
    } else if (p.min && p.max && (Number(v) < Number(p.min) || Number(v) > Number(p.max))) {
      errs[p.key] = `must be from ${p.min} to ${p.max}`
    }
  }
  const access = parseDuration(form.access_token_ttl ?? '')
  const refresh = parseDuration(form.refresh_token_ttl ?? '')
  if (!errs.access_token_ttl && !errs.refresh_token_ttl && access !== undefined && refresh !== undefined && refresh < access)
    errs.refresh_token_ttl = `must be at least the access-token lifetime (${form.access_token_ttl.trim()})`
  return errs
}

/** "Access-token lifetime 10m → 2m; …", or that nothing changed. */
export function describeChanges(changed: SettingChange[] | undefined): string {
  if (!changed || changed.length === 0) return 'Nothing changed.'
  return `Saved and in force now: ${changed.map((c) => `${c.label} ${c.from} → ${c.to}`).join('; ')}.`
}

/** A rate such as "30/m" in events per second; NaN when it is not one. */
export function perSecond(rate: string): number {
  const m = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(rate.trim())
  if (!m) return NaN
  const per = m[2].startsWith('h') ? 3600 : m[2].startsWith('m') ? 60 : 1
  return Number(m[1]) / per
}

/**
 * Whether a save was refused because the settings were saved elsewhere (another node, another administrator) since
 * they were loaded: 409 in a browser; in the window, which has no status, Go's words (app.SettingsChangedMessage).
 */
export function isChangedElsewhere(err: unknown): boolean {
  if (err instanceof ApiError && err.status !== undefined) return err.status === 409
  return err instanceof Error && err.message.startsWith('the settings were changed elsewhere')
}
