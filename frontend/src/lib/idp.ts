// The Identity providers screen's rules: the form as a spec and back.
import type { IdentityProvider, IdentityProviderSpec } from './api'

export const IDP_ALGS = ['RS256', 'ES256', 'PS256', 'EdDSA'] as const

export interface IdpForm {
  id: string
  issuer: string
  display_name: string
  client_id: string
  /** Empty keeps the secret already set. */
  client_secret: string
  audiences: string
  algorithms: string[]
  scopes: string
  sub_claim: string
  email_claim: string
  name_claim: string
  groups_claim: string
  provisioning: 'refuse' | 'create'
  enabled: boolean
  trust_auth_context: boolean
}

const words = (s: string) => s.split(/[\s,]+/).filter(Boolean)

export function emptyIdpForm(): IdpForm {
  return { id: '', issuer: 'https://', display_name: '', client_id: '', client_secret: '', audiences: '', algorithms: ['RS256', 'ES256'], scopes: 'openid email profile', sub_claim: '', email_claim: '', name_claim: '', groups_claim: '', provisioning: 'refuse', enabled: true, trust_auth_context: false }
}

export function formFromProvider(p: IdentityProvider): IdpForm {
  return {
    id: p.id, issuer: p.issuer, display_name: p.display_name, client_id: p.client_id ?? '', client_secret: '',
    audiences: p.audiences.join(' '), algorithms: [...p.algorithms], scopes: p.scopes.join(' '),
    sub_claim: p.sub_claim ?? '', email_claim: p.email_claim ?? '', name_claim: p.name_claim ?? '', groups_claim: p.groups_claim ?? '',
    provisioning: p.provisioning === 'create' ? 'create' : 'refuse', enabled: p.enabled,
    trust_auth_context: p.trust_auth_context ?? false,
  }
}

/** The spec to send: every field of the form; the secret only when typed. */
export function specFromForm(f: IdpForm): IdentityProviderSpec {
  const spec: IdentityProviderSpec = {
    issuer: f.issuer.trim(), display_name: f.display_name.trim(), client_id: f.client_id.trim(),
    audiences: words(f.audiences), algorithms: f.algorithms, scopes: words(f.scopes),
    sub_claim: f.sub_claim.trim(), email_claim: f.email_claim.trim(), name_claim: f.name_claim.trim(), groups_claim: f.groups_claim.trim(),
    provisioning: f.provisioning, enabled: f.enabled, trust_auth_context: f.trust_auth_context,
  }
  if (f.id.trim()) spec.id = f.id.trim()
  if (f.client_secret) spec.client_secret = f.client_secret
  return spec
}

/** Field name -> what is wrong, in words. */
export function checkIdpForm(f: IdpForm, hasSecret = false): Record<string, string> {
  const errs: Record<string, string> = {}
  try {
    const u = new URL(f.issuer.trim())
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) errs.issuer = 'The issuer must be https (http only on loopback).'
  } catch {
    errs.issuer = 'The issuer is a URL, e.g. https://accounts.example.com.'
  }
  if (words(f.audiences).length === 0 && f.client_id.trim() === '') errs.audiences = 'Give at least one accepted audience, or a client ID.'
  if ((f.client_secret || hasSecret) && f.client_id.trim() === '') errs.client_id = 'A client secret needs a client ID.'
  if (f.algorithms.length === 0) errs.algorithms = 'Allow at least one algorithm.'
  return errs
}
