// Turns whatever a call threw into words for the view.

/** The message of an error from Go (an ApiError) or anything else thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'string') return err
  return String(err)
}

/**
 * Runs fetch and hands its result to set (if any); resolves to the error
 * in words, or '' when it worked. The list screens load with it
 * (`error = await attempt(api.listUsers, (u) => (users = u))`) and the
 * forms save with it (`saveError = await attempt(async () => { … })`).
 */
export async function attempt<T>(fetch: () => Promise<T>, set?: (v: T) => void): Promise<string> {
  try {
    const v = await fetch()
    set?.(v)
    return ''
  } catch (err) {
    return errorText(err)
  }
}
