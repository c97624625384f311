// The running instance's status, shared by the Dashboard (which shows it and
// its errors) and the sidebar footer (which shows the version and mode).
import { api, type Status } from './api'

interface Instance {
  /** The last status Go answered with. */
  status?: Status
  /** performance.now() when `status` arrived, to tick uptime locally. */
  receivedAt: number
  /** Why the last refresh failed, in words; cleared by the next success. */
  error?: string
  loading: boolean
}

export const instance: Instance = $state({ receivedAt: 0, loading: false })

let inflight: Promise<void> | undefined

/** Asks Go for the status again; concurrent callers share one request. */
export function refreshStatus(): Promise<void> {
  inflight ??= (async () => {
    instance.loading = true
    try {
      instance.status = await api.status()
      instance.receivedAt = performance.now()
      instance.error = undefined
    } catch (err) {
      instance.error = err instanceof Error ? err.message : String(err)
    } finally {
      instance.loading = false
      inflight = undefined
    }
  })()
  return inflight
}
