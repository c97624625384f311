// The Dashboard's first-run checklist, ticked from real data.
import type { AuditEvent, Client, Grant, User } from './api'

/** The console's own client; it does not count as one the admin registered. */
export const CONSOLE_CLIENT = 'latchkey-console'

export interface Step {
  id: 'user' | 'client' | 'flow'
  label: string
  help: string
  href: string
  done: boolean
}

/**
 * The three first steps: a user other than the administrator, a client of
 * one's own, and a token issued to such a client (seen in the grants or the
 * audit log's token.issued events).
 */
export function firstSteps(users: User[], clients: Client[], grants: Grant[], issued: AuditEvent[]): Step[] {
  const own = (id: string | undefined) => !!id && id !== CONSOLE_CLIENT
  return [
    {
      id: 'user',
      label: 'Create a user',
      help: 'Someone who signs in to your applications through Latchkey.',
      href: '#/users',
      done: users.some((u) => !u.admin) || users.length > 1,
    },
    {
      id: 'client',
      label: 'Register a client',
      help: 'The application that asks Latchkey for tokens.',
      href: '#/clients',
      done: clients.some((c) => own(c.client_id)),
    },
    {
      id: 'flow',
      label: 'Try a flow',
      help: 'Get a token for your client, e.g. with the flow tester or a snippet from the Clients screen.',
      href: '#/flow-tester',
      done: grants.some((g) => own(g.client_id)) || issued.some((e) => own(e.client_id)),
    },
  ]
}
