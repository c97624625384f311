// Turns whatever a call threw into words for the view.

/** The message of an error from Go (an ApiError) or anything else thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'string') return err
  return String(err)
}
