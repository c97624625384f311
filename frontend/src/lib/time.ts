// Dates as the views show them.

/** A local date and time for an RFC 3339 string; '' for none or the zero time. */
export function when(iso: string | undefined | null): string {
  if (!iso || iso.startsWith('0001-')) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

/** "in 5 min", "3 h ago", relative to now. */
export function relative(iso: string | undefined | null, now = Date.now()): string {
  if (!iso || iso.startsWith('0001-')) return ''
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return ''
  const s = Math.round((t - now) / 1000)
  const a = Math.abs(s)
  const n = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`
  return s >= 0 ? `in ${n}` : `${n} ago`
}
