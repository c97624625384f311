// Ready-made configuration of a registered client for popular client
// libraries. Secrets are never known here (Latchkey keeps hashes): snippets
// read them from the environment.
import type { Client } from './api'
import { GRANT_CLIENT_CREDENTIALS, GRANT_CODE } from './clients'

export interface Snippet {
  id: string
  label: string
  code: string
}

const q = (s: string) => JSON.stringify(s)

/** The snippets that fit this client, issued by issuer. */
export function snippetsFor(c: Client, issuer: string): Snippet[] {
  const confidential = c.client_type !== 'public'
  const redirect = c.redirect_uris?.[0] ?? 'https://app.example.com/callback'
  const scopes = (c.scope || 'openid').split(/\s+/).filter(Boolean)
  const code = c.grant_types?.includes(GRANT_CODE) ?? false
  const cc = c.grant_types?.includes(GRANT_CLIENT_CREDENTIALS) ?? false
  const out: Snippet[] = []

  if (cc) {
    out.push({
      id: 'go',
      label: 'Go (golang.org/x/oauth2)',
      code: `import "golang.org/x/oauth2/clientcredentials"

cfg := clientcredentials.Config{
\tClientID:     ${q(c.client_id)},
\tClientSecret: os.Getenv("LATCHKEY_CLIENT_SECRET"),
\tTokenURL:     ${q(issuer + '/token')},
\tScopes:       []string{${scopes.map(q).join(', ')}},
}
client := cfg.Client(ctx) // an *http.Client that fetches and renews tokens
`,
    })
  } else {
    out.push({
      id: 'go',
      label: 'Go (golang.org/x/oauth2)',
      code: `import "golang.org/x/oauth2"

cfg := oauth2.Config{
\tClientID:     ${q(c.client_id)},${confidential ? '\n\tClientSecret: os.Getenv("LATCHKEY_CLIENT_SECRET"),' : ''}
\tEndpoint: oauth2.Endpoint{
\t\tAuthURL:  ${q(issuer + '/authorize')},
\t\tTokenURL: ${q(issuer + '/token')},
\t},
\tRedirectURL: ${q(redirect)},
\tScopes:      []string{${scopes.map(q).join(', ')}},
}
verifier := oauth2.GenerateVerifier()
url := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
// ... on the redirect back:
tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
`,
    })
  }

  if (code) {
    out.push({
      id: 'oidc-client-ts',
      label: 'oidc-client-ts (browser)',
      code: `import { UserManager } from 'oidc-client-ts'

const mgr = new UserManager({
  authority: ${q(issuer)},
  client_id: ${q(c.client_id)},
  redirect_uri: ${q(redirect)},
  response_type: 'code', // PKCE (S256) is used automatically
  scope: ${q(scopes.join(' '))},
})
await mgr.signinRedirect()
// on the redirect page:
const user = await mgr.signinRedirectCallback()
`,
    })
  }

  const springGrant = cc && !code ? 'client_credentials' : 'authorization_code'
  out.push({
    id: 'spring',
    label: 'Spring Security (application.yml)',
    code: `spring:
  security:
    oauth2:
      client:
        registration:
          latchkey:
            client-id: ${c.client_id}
${confidential ? '            client-secret: ${LATCHKEY_CLIENT_SECRET}\n' : ''}            client-authentication-method: ${confidential ? (c.token_endpoint_auth_method || 'client_secret_basic') : 'none'}
            authorization-grant-type: ${springGrant}
${springGrant === 'authorization_code' ? `            redirect-uri: ${redirect}\n` : ''}            scope: ${scopes.join(',')}
        provider:
          latchkey:
            issuer-uri: ${issuer}
`,
  })

  const auth =
    confidential && c.token_endpoint_auth_method === 'client_secret_post'
      ? `-d client_id=${c.client_id} -d client_secret="$LATCHKEY_CLIENT_SECRET"`
      : confidential
        ? `-u "${c.client_id}:$LATCHKEY_CLIENT_SECRET"`
        : `-d client_id=${c.client_id}`
  out.push({
    id: 'curl',
    label: 'curl',
    code: cc
      ? `curl -s ${issuer}/token ${auth} \\
  -d grant_type=client_credentials -d scope=${q(scopes.join(' '))}
`
      : `# 1. Open in a browser (make VERIFIER random, CHALLENGE = base64url(sha256(VERIFIER))):
${issuer}/authorize?response_type=code&client_id=${encodeURIComponent(c.client_id)}&redirect_uri=${encodeURIComponent(redirect)}&scope=${encodeURIComponent(scopes.join(' '))}&state=xyz&code_challenge=$CHALLENGE&code_challenge_method=S256

# 2. Redeem the code from the redirect:
curl -s ${issuer}/token ${auth} \\
  -d grant_type=authorization_code -d code="$CODE" \\
  -d redirect_uri=${redirect} -d code_verifier="$VERIFIER"
`,
  })
  return out
}
