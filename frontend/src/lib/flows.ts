// The flow tester's choices: each flow, what it is, and which inputs it needs.
import type { FlowInput, FlowKind, SavedFlow } from './api'

/**
 * Inputs a flow reads besides the client: 'api_url' is a URL the flow
 * cannot run without, 'route' an optional one (the demo API by default),
 * 'prompt' the OIDC prompt of a code flow, 'external' the federation flow's
 * external provider and its client, 'details' RFC 9396 authorization_details,
 * 'ciba' the user a backchannel request names and its binding message.
 */
export type FlowNeed = 'scope' | 'token' | 'refresh_token' | 'api_url' | 'route' | 'audience' | 'resource' | 'prompt' | 'external' | 'details' | 'ciba'

export interface FlowChoice {
  value: FlowKind
  label: string
  help: string
  needs: FlowNeed[]
}

export const FLOWS: FlowChoice[] = [
  { value: 'authorization_code', label: 'Authorization code + PKCE', help: 'Opens the sign-in page; a loopback listener catches the redirect (RFC 8252).', needs: ['scope', 'resource', 'details', 'prompt'] },
  { value: 'client_credentials', label: 'Client credentials', help: 'A confidential client gets a token for itself.', needs: ['scope', 'audience', 'resource', 'details'] },
  { value: 'ciba', label: 'Backchannel authentication (CIBA, poll)', help: 'Names a user, who approves on their account page (another device); the client polls for the tokens.', needs: ['ciba', 'scope'] },
  { value: 'device', label: 'Device authorization', help: 'Shows a user code to enter on another device (RFC 8628).', needs: ['scope'] },
  { value: 'refresh', label: 'Refresh', help: 'Redeems a refresh token, then replays the spent one to show reuse detection.', needs: ['refresh_token', 'scope'] },
  { value: 'token_exchange', label: 'Token exchange', help: 'Trades a token for another (RFC 8693).', needs: ['token', 'audience', 'scope'] },
  { value: 'introspect', label: 'Introspection', help: 'Asks the issuer whether a token is active (RFC 7662).', needs: ['token'] },
  { value: 'revoke', label: 'Revocation', help: 'Revokes a token (RFC 7009).', needs: ['token'] },
  { value: 'userinfo', label: 'UserInfo', help: 'Calls the OpenID Connect userinfo endpoint with an access token.', needs: ['token'] },
  { value: 'call_api', label: 'Call an API through the gateway', help: 'Sends an access token to a protected URL and shows how the gateway answers.', needs: ['token', 'api_url'] },
  {
    value: 'federation',
    label: 'Federation (external ID token → Latchkey → gateway)',
    help: 'Signs in at an external OpenID provider (code + PKCE + nonce), exchanges its ID token here (RFC 8693), and calls a gateway route with the result. The client below is the Latchkey client that exchanges the token.',
    needs: ['external', 'scope', 'resource', 'audience', 'route', 'prompt'],
  },
]

export function emptyFlowInput(): FlowInput {
  return {
    issuer: '', client_id: '', client_secret: '', flow: 'authorization_code', scope: 'openid profile offline_access', resource: '', audience: '',
    api_url: '', from_api: false, response_mode: '', token: '', refresh_token: '', reveal_secrets: false, prompt: '', acr_values: '',
    authorization_details: '', login_hint: '', binding_message: '', external_issuer: '', external_client_id: '', external_client_secret: '', external_scope: '',
  }
}

/** What is missing before the flow can start, in words, or ''. */
export function missingInput(f: FlowInput): string {
  const c = FLOWS.find((x) => x.value === f.flow)
  if (c?.needs.includes('external')) {
    if (f.external_issuer.trim() === '') return 'Give the external provider’s issuer.'
    if (f.external_client_id.trim() === '') return 'Give the client id registered at the external provider.'
  }
  if (f.client_id.trim() === '') return c?.needs.includes('external') ? 'Choose the Latchkey client that exchanges the ID token.' : 'Choose a client (or create a test client).'
  if (c?.needs.includes('ciba') && f.login_hint.trim() === '') return 'Name the user who approves (login hint).'
  if (c?.needs.includes('token') && f.token.trim() === '' && !f.from_api) return 'This flow needs a token to work on.'
  if (c?.needs.includes('refresh_token') && f.refresh_token.trim() === '') return 'This flow needs a refresh token.'
  if (c?.needs.includes('api_url') && f.api_url.trim() === '') return 'Give the API URL to call.'
  if (c?.needs.includes('details') && f.authorization_details.trim() !== '') return detailsProblem(f.authorization_details)
  return ''
}

/**
 * Why authorization_details is not a JSON array of objects that each have
 * a type (RFC 9396 §2), or ''.
 */
export function detailsProblem(raw: string): string {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return 'Authorization details must be JSON: an array of objects.'
  }
  if (!Array.isArray(v)) return 'Authorization details must be a JSON array of objects.'
  const i = v.findIndex((o) => typeof o !== 'object' || o === null || typeof (o as { type?: unknown }).type !== 'string' || (o as { type: string }).type === '')
  return i < 0 ? '' : `Authorization detail ${i + 1} needs a type.`
}

/** The form input a saved flow fills in (no tokens: they are never saved). */
export function inputFromSaved(sf: SavedFlow, current: FlowInput): FlowInput {
  return {
    ...current,
    issuer: sf.issuer ?? '',
    client_id: sf.client_id,
    client_secret: sf.client_secret ?? '',
    flow: sf.flow,
    scope: sf.scope ?? '',
    resource: sf.resource ?? '',
    audience: sf.audience ?? '',
    api_url: sf.api_url ?? '',
    from_api: false,
    response_mode: sf.response_mode ?? '',
    prompt: sf.prompt ?? '',
    acr_values: sf.acr_values ?? '',
    login_hint: sf.login_hint ?? '',
    binding_message: sf.binding_message ?? '',
    authorization_details: sf.authorization_details ?? '',
    external_issuer: sf.external_issuer ?? '',
    external_client_id: sf.external_client_id ?? '',
    external_client_secret: sf.external_client_secret ?? '',
    external_scope: sf.external_scope ?? '',
  }
}
