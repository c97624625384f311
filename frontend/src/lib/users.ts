// The rules of the Users screen, kept out of the view.
import type { User, UserInput } from './api'

/** The shortest password the console suggests; Go decides what it accepts. */
export const MIN_PASSWORD = 8

/** Field name -> what is wrong, in words, for the create form. */
export function checkUserInput(u: UserInput): Record<string, string> {
  const errs: Record<string, string> = {}
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(u.username.trim())) errs.username = 'Letters, digits and . _ @ - only, up to 64 characters.'
  if (u.email.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(u.email.trim())) errs.email = 'That does not look like an email address.'
  const pw = checkPassword(u.password)
  if (pw) errs.password = pw
  return errs
}

/** What is wrong with a new password, or ''. */
export function checkPassword(pw: string): string {
  return pw.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters.` : ''
}

/** A user's state in a word or two, and its badge class. */
export function userState(u: User): { label: string; tone: 'ok' | 'warn' | 'bad' } {
  if (u.disabled) return { label: 'disabled', tone: 'bad' }
  if (u.locked) return { label: 'locked out', tone: 'warn' }
  return { label: 'active', tone: 'ok' }
}

/** Whether a user matches a search text. */
export function userMatches(u: User, q: string): boolean {
  const s = q.trim().toLowerCase()
  return s === '' || [u.username, u.email, u.display_name, u.id].some((v) => (v ?? '').toLowerCase().includes(s))
}

/** Whether the console is acting as this user (Me's actor "admin:<username>"). */
export function isSelf(u: User, actor: string): boolean {
  return actor === `admin:${u.username}`
}
