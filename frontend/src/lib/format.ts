// Small, pure formatting helpers for the views.

/** Formats a duration in whole seconds as "3d 4h 05m 06s", "4h 05m 06s", "5m 06s" or "6s". */
export function formatUptime(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds))
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const seconds = s % 60
  const pad = (n: number) => String(n).padStart(2, '0')
  if (days > 0) return `${days}d ${hours}h ${pad(minutes)}m ${pad(seconds)}s`
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`
  return `${seconds}s`
}

/** Who the console acts as, in words: "admin:alice" -> signed in as alice; "local:desktop" -> this computer. */
export function actorLabel(actor: string): { lead: string; name: string } {
  if (actor.startsWith('admin:')) return { lead: 'Signed in as', name: actor.slice('admin:'.length) }
  if (actor.startsWith('local:')) return { lead: 'Acting as', name: `this computer (${actor.slice('local:'.length)})` }
  return { lead: 'Acting as', name: actor }
}
