import { describe, expect, it } from 'vitest'
import { FLOWS, detailsProblem, emptyFlowInput, inputFromSaved, missingInput } from './flows'

describe('flow tester inputs', () => {
  it('offers the federation flow with its external provider', () => {
    const fed = FLOWS.find((f) => f.value === 'federation')
    expect(fed?.needs).toEqual(expect.arrayContaining(['external', 'route', 'scope', 'resource']))
    expect(fed?.needs).not.toContain('api_url') // the demo API by default
    expect(FLOWS.find((f) => f.value === 'authorization_code')?.needs).toContain('prompt')
  })

  it('says what the federation flow still lacks, in order', () => {
    const f = { ...emptyFlowInput(), flow: 'federation' }
    expect(missingInput(f)).toBe('Give the external provider’s issuer.')
    f.external_issuer = 'https://idp.example'
    expect(missingInput(f)).toBe('Give the client id registered at the external provider.')
    f.external_client_id = 'app'
    expect(missingInput(f)).toBe('Choose the Latchkey client that exchanges the ID token.')
    f.client_id = 'exchanger'
    expect(missingInput(f)).toBe('')
  })

  it('still needs the API URL for call_api, and a client for the code flow', () => {
    expect(missingInput({ ...emptyFlowInput(), client_id: 'c', flow: 'call_api', token: 't' })).toBe('Give the API URL to call.')
    expect(missingInput(emptyFlowInput())).toBe('Choose a client (or create a test client).')
  })

  it('fills the form from a saved federation flow, secrets only when saved, tokens never', () => {
    const cur = { ...emptyFlowInput(), token: 'keep-me', external_client_secret: 'old' }
    const got = inputFromSaved({ name: 'fed', issuer: 'https://lk.example', client_id: 'ex', flow: 'federation', prompt: 'login',
      external_issuer: 'https://idp.example', external_client_id: 'app', external_scope: 'openid email' }, cur)
    expect(got).toMatchObject({ flow: 'federation', prompt: 'login', external_issuer: 'https://idp.example', external_client_id: 'app',
      external_scope: 'openid email', external_client_secret: '', client_secret: '', token: 'keep-me' })
    expect(inputFromSaved({ name: 'k', issuer: '', client_id: 'ex', flow: 'federation', external_client_secret: 's' }, cur).external_client_secret).toBe('s')
  })

  it('offers authorization_details to the code flow and client credentials, checks the JSON, and keeps it in saved flows', () => {
    for (const f of ['authorization_code', 'client_credentials']) expect(FLOWS.find((x) => x.value === f)?.needs).toContain('details')
    expect(FLOWS.find((x) => x.value === 'introspect')?.needs).not.toContain('details')
    const f = { ...emptyFlowInput(), client_id: 'c', flow: 'client_credentials', authorization_details: '{"type":"x"}' }
    expect(missingInput(f)).toBe('Authorization details must be a JSON array of objects.')
    f.authorization_details = '[{"type":"x"}, {"amount": 1}]'
    expect(missingInput(f)).toBe('Authorization detail 2 needs a type.')
    f.authorization_details = '[{'
    expect(missingInput(f)).toBe('Authorization details must be JSON: an array of objects.')
    f.authorization_details = ' [{"type":"payment_initiation","amount":"12.50"}] '
    expect(missingInput(f)).toBe('')
    expect(detailsProblem('[null]')).toBe('Authorization detail 1 needs a type.')
    const got = inputFromSaved({ name: 'pay', issuer: '', client_id: 'shop', flow: 'authorization_code', authorization_details: '[{"type":"x"}]' }, emptyFlowInput())
    expect(got.authorization_details).toBe('[{"type":"x"}]')
  })

  it('fills response_mode, acr_values and the CIBA fields from a saved flow', () => {
    const code = inputFromSaved({ name: 'jarm', issuer: '', client_id: 'web', flow: 'authorization_code', response_mode: 'query.jwt',
      acr_values: 'urn:latchkey:acr:mfa' }, { ...emptyFlowInput(), response_mode: 'form_post.jwt' })
    expect(code).toMatchObject({ response_mode: 'query.jwt', acr_values: 'urn:latchkey:acr:mfa' })
    const ciba = inputFromSaved({ name: 'teller', issuer: '', client_id: 'teller', flow: 'ciba', login_hint: 'alice',
      binding_message: 'Teller 42' }, { ...emptyFlowInput(), response_mode: 'query.jwt', acr_values: 'x' })
    expect(ciba).toMatchObject({ login_hint: 'alice', binding_message: 'Teller 42', response_mode: '', acr_values: '' })
  })

  it('offers the CIBA poll flow, which needs the user who approves', () => {
    expect(FLOWS.find((x) => x.value === 'ciba')?.needs).toEqual(['ciba', 'scope'])
    const f = { ...emptyFlowInput(), client_id: 'teller', flow: 'ciba' as const, scope: 'openid profile' }
    expect(missingInput(f)).toBe('Name the user who approves (login hint).')
    f.login_hint = 'alice'
    expect(missingInput(f)).toBe('')
  })
})
