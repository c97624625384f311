// Browser test of the console: starts `latchkey serve` on a free port, opens
// /console/ in Debian's Chromium through playwright-core, checks the
// Dashboard shows this server's real facts, walks every sidebar entry, and
// saves screenshots under test-artifacts/ at the repo root.
//
//   LATCHKEY_BIN=build/bin/latchkey node --test tests/browser/
//
// Env: LATCHKEY_BIN (default build/bin/latchkey), CHROMIUM (default
// /usr/bin/chromium), ARTIFACTS (default <repo>/test-artifacts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { ARTIFACTS, checkPrerequisites, launchChromium, sleep, startLatchkey } from './harness.mjs'

const SCREENS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'clients', label: 'Clients' },
  { id: 'users', label: 'Users' },
  { id: 'identity-providers', label: 'Identity providers' },
  { id: 'keys', label: 'Keys' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'flow-tester', label: 'Flow tester' },
  { id: 'gateway', label: 'Gateway' },
  { id: 'audit', label: 'Audit log' },
  { id: 'settings', label: 'Settings' },
]

const ADMIN = { username: 'admin', password: 'correct-horse-battery-staple', email: 'admin@example.com' }

let server // the latchkey serve under test (harness.mjs)
let context
let page
let base // http://127.0.0.1:PORT
let dataDir
const tmpRoot = mkdtempSync(join(tmpdir(), 'latchkey-browser-'))

async function shot(name) {
  // From the top: the sidebar is sticky, and a scrolled page would show it mid-picture.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(ARTIFACTS, `browser-${name}.png`), fullPage: true, timeout: 10_000 })
}

before(async () => {
  checkPrerequisites()
  dataDir = join(tmpRoot, 'data')
  // The first administrator, made with the CLI before the server holds the data directory.
  server = await startLatchkey({ dataDir, admin: ADMIN })
  base = server.base
  ;({ context, page } = await launchChromium(join(tmpRoot, 'chromium'), { note: server.note }))
}, { timeout: 90_000 })

after(async () => {
  await context?.close().catch(() => {})
  await server?.stop()
  try {
    writeFileSync(join(ARTIFACTS, 'browser-server.log'), server?.log() ?? '')
  } catch {
    // the artifacts folder may not exist if setup failed early
  }
  rmSync(tmpRoot, { recursive: true, force: true })
}, { timeout: 30_000 })

test('discovery names the issuer the server was started with', { timeout: 60_000 }, async () => {
  const doc = await (await fetch(`${base}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) })).json()
  assert.equal(doc.issuer, base)
})

test('the admin API refuses a call without a token', { timeout: 30_000 }, async () => {
  const res = await fetch(`${base}/console/api/Status`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]', signal: AbortSignal.timeout(5000),
  })
  assert.equal(res.status, 401)
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /)
})

test('the console signs in through Latchkey\'s own login and consent pages', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/`)
  await page.waitForURL(/\/login\?/)
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await shot('login')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/consent\?/)
  await shot('consent')
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
  assert.ok(!page.url().includes('code='), 'the authorization code stays in the address bar')
})

test('the Dashboard shows the real issuer, data directory and a ticking uptime', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/`)
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
  const issuer = page.getByTestId('dashboard-issuer')
  await issuer.waitFor()
  assert.equal((await issuer.textContent()).trim(), base)
  assert.equal((await page.getByTestId('dashboard-datadir').textContent()).trim(), dataDir)
  assert.match(await page.getByTestId('dashboard-addresses').textContent(), new RegExp(`127\\.0\\.0\\.1:${base.split(':')[2]}`))
  assert.match(await page.getByTestId('dashboard-tls').textContent(), /Off/)
  assert.equal((await page.getByTestId('dashboard-discovery').textContent()).trim(), `${base}/.well-known/openid-configuration`)
  assert.equal((await page.getByTestId('dashboard-jwks').textContent()).trim(), `${base}/jwks.json`)
  assert.notEqual((await page.getByTestId('dashboard-version').textContent()).trim(), '')
  assert.equal(await page.getByRole('alert').count(), 0, 'the Dashboard shows an error')
  const before = await page.getByTestId('dashboard-uptime').textContent()
  await page.waitForFunction((b) => document.querySelector('[data-testid="dashboard-uptime"]')?.textContent !== b, before, {
    timeout: 5000,
  })
  await shot('dashboard')
})

test('the console reported ready to the server', { timeout: 60_000 }, async () => {
  const deadline = Date.now() + 10_000
  while (!server.log().includes('console ready') && Date.now() < deadline) await sleep(100)
  assert.ok(server.log().includes('console ready'), 'the server never logged "console ready"')
})

test('every sidebar entry opens its screen, with a heading and a deep link', { timeout: 60_000 }, async () => {
  const nav = page.getByRole('navigation', { name: 'Console screens' })
  for (const s of SCREENS) {
    await nav.getByRole('link', { name: s.label, exact: true }).click()
    await page.getByRole('heading', { level: 1, name: s.label, exact: true }).waitFor()
    assert.equal(new URL(page.url()).hash, `#/${s.id}`)
    assert.equal(await nav.getByRole('link', { name: s.label, exact: true }).getAttribute('aria-current'), 'page')
    // A screen not built yet says so plainly; a built one must not.
    const notBuilt = page.getByTestId('not-built')
    if (await notBuilt.count()) assert.match(await notBuilt.textContent(), /Not built yet — coming in /)
    // Every control on the screen has an accessible name (a label, aria-label(ledby) or its text).
    await page.waitForTimeout(300) // let the screen's data arrive
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('main input, main select, main textarea, main button')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => {
          const byLabel = el.labels && [...el.labels].some((l) => l.textContent.trim() !== '')
          const byAria = (el.getAttribute('aria-label') ?? '').trim() !== ''
          const byLabelledby = (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())
          const byText = el.tagName === 'BUTTON' && el.textContent.trim() !== ''
          return !(byLabel || byAria || byLabelledby || byText)
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    )
    assert.deepEqual(unnamed, [], `controls without an accessible name on ${s.label}`)
    await shot(s.id)
  }
})

test('a deep link opens its screen directly', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/keys`)
  await page.getByRole('heading', { level: 1, name: 'Keys', exact: true }).waitFor()
  assert.equal(await page.title(), 'Keys · Latchkey')
})

test('an error from Go is shown in the view, in words', { timeout: 60_000 }, async () => {
  await page.route('**/console/api/Status', (r) =>
    r.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'app: the store is closed' }) }),
  )
  try {
    await page.goto(`${base}/console/#/dashboard`)
    await page.reload() // a fresh page: the last good status must not linger
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.textContent(), /Could not load the server status/)
    assert.match(await alert.textContent(), /app: the store is closed/)
    await shot('dashboard-error')
  } finally {
    await page.unroute('**/console/api/Status')
  }
})

// ---- Every screen, used as a person would ----------------------------------

const b64url = (buf) => buf.toString('base64url')
let backend // the confidential client registered below: { id, secret }

// Opens a page of the console in a new tab, signing in again if asked (the
// server's session makes it quick; consent may be remembered).
async function openTab(hash, heading) {
  const p = await context.newPage()
  p.on('pageerror', (e) => server.note(`[page2 error] ${e.message}`))
  p.on('console', (m) => server.note(`[page2 ${m.type()}] ${m.text()}`))
  await p.goto(`${base}/console/${hash}`)
  const h = p.getByRole('heading', { level: 1, name: heading })
  const allow = p.getByRole('button', { name: 'Allow' })
  await h.or(allow).waitFor({ timeout: 15_000 }).catch(async (err) => {
    await p.screenshot({ path: join(ARTIFACTS, "browser-tab-failed.png") })
    throw new Error(`${err.message}\nthe tab shows ${p.url()}:\n${await p.locator('body').innerText()}`)
  })
  if (await allow.isVisible()) await allow.click()
  await h.waitFor()
  return p
}

test('Users: create a user, reset the password, disable and enable them', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/users`)
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
  await page.getByRole('button', { name: 'Create a user' }).click()
  const dlg = page.getByRole('dialog', { name: 'Create a user' })
  await dlg.getByLabel('Username').fill('alice')
  await dlg.getByLabel('Email').fill('alice@example.com')
  await dlg.getByLabel('Display name').fill('Alice Example')
  await dlg.getByLabel('Password').fill('short')
  await dlg.getByRole('button', { name: 'Create user' }).click()
  await dlg.getByText('At least 8 characters.').waitFor() // checked before Go is asked
  await dlg.getByLabel('Password').fill('alice-password-1')
  await dlg.getByRole('button', { name: 'Create user' }).click()
  await page.getByRole('status').filter({ hasText: 'Created alice.' }).waitFor()
  const detail = page.getByTestId('user-detail')
  await detail.getByRole('heading', { name: /alice · Alice Example/ }).waitFor()

  await detail.getByRole('button', { name: 'Reset password' }).click()
  await page.getByRole('dialog').getByLabel('New password').fill('alice-password-2')
  await page.getByRole('dialog').getByRole('button', { name: 'Set password' }).click()
  await page.getByText('The password of alice was replaced.').waitFor()

  await detail.getByRole('button', { name: 'Disable' }).click()
  await page.getByRole('dialog', { name: 'Disable alice?' }).getByRole('button', { name: 'Disable user' }).click()
  await page.getByRole('table', { name: 'Users' }).getByText('disabled').waitFor()
  await shot('users')
  await detail.getByRole('button', { name: 'Enable' }).click()
  await page.getByText('Enabled alice.').waitFor()
  // The admin signed in to the console: their session is listed.
  const admin = page.getByRole('button', { name: 'Show admin' })
  await admin.click()
  await page.getByRole('table', { name: 'Sessions' }).getByRole('button', { name: /End the session/ }).first().waitFor()
  await page.getByRole('table', { name: 'Consents' }).getByText('latchkey-console').waitFor()
  await shot('users-sessions')
})

test('Clients: register a confidential and a public client, copy a snippet, rotate a secret', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/clients`)
  await page.getByRole('button', { name: 'Register a client' }).click()
  let dlg = page.getByRole('dialog', { name: 'Register a client' })
  // The secure default for a new client: a public SPA with code + PKCE.
  assert.ok(await dlg.getByRole('radio', { name: /Single-page app/ }).isChecked())
  await dlg.getByRole('radio', { name: /Web app with a server/ }).check()
  await dlg.getByLabel('Name', { exact: true }).fill('Orders backend')
  await dlg.getByLabel('Redirect URIs').fill('http://127.0.0.1:9/callback')
  await dlg.getByRole('checkbox', { name: 'offline_access' }).check()
  assert.equal(await dlg.getByLabel('How it authenticates').inputValue(), 'client_secret_basic')
  await shot('client-form')
  await dlg.getByRole('button', { name: 'Register client' }).click()
  dlg = page.getByRole('dialog', { name: 'Client registered' })
  const secret = await dlg.getByLabel('Client secret', { exact: true }).inputValue()
  assert.ok(secret.length >= 20, 'no client secret shown')
  await dlg.getByRole('button', { name: 'Copy Client secret' }).waitFor()
  backend = { id: (await dlg.getByTestId('created-client-id').textContent()).trim(), secret }
  await shot('client-secret')
  await dlg.getByRole('button', { name: 'Done' }).click()

  await page.getByRole('button', { name: 'Register a client' }).click()
  dlg = page.getByRole('dialog', { name: 'Register a client' })
  await dlg.getByLabel('Name', { exact: true }).fill('Orders SPA')
  await dlg.getByLabel('Redirect URIs').fill('https://spa.example.com/callback')
  await dlg.getByRole('button', { name: 'Register client' }).click()
  await page.getByRole('status').filter({ hasText: 'Registered Orders SPA.' }).waitFor()
  const table = page.getByRole('table', { name: 'Clients' })
  assert.match(await table.getByRole('row', { name: /Orders SPA/ }).textContent(), /public/)
  assert.match(await table.getByRole('row', { name: /Orders backend/ }).textContent(), /confidential/)

  await page.getByLabel('Search clients').fill('backend')
  assert.equal(await table.getByRole('row').count(), 2) // the header and Orders backend
  await page.getByRole('button', { name: 'Show Orders backend' }).click()
  const detail = page.getByTestId('client-detail')
  await detail.getByRole('tab', { name: 'Go (golang.org/x/oauth2)' }).click()
  assert.match(await detail.getByTestId('client-snippet').textContent(), new RegExp(`ClientID: +"${backend.id}"`))
  await detail.getByRole('tab', { name: 'curl' }).click()
  assert.match(await detail.getByTestId('client-snippet').textContent(), /code_verifier/)

  await page.getByRole('button', { name: 'Rotate the secret of Orders backend' }).click()
  dlg = page.getByRole('dialog', { name: 'Rotate the secret of Orders backend' })
  await dlg.getByLabel('Keep the old secret working for').selectOption({ label: '1 day' })
  await dlg.getByRole('button', { name: 'Rotate secret' }).click()
  const rotated = await dlg.getByLabel('New client secret', { exact: true }).inputValue()
  assert.notEqual(rotated, secret)
  await dlg.getByText(/old secret keeps working until/).waitFor()
  await dlg.getByRole('button', { name: 'Done' }).click()
  await detail.getByText(/still valid until/).waitFor()
  backend.secret = rotated

  // A new scope, then offered to clients.
  await page.getByLabel('New scope').fill('orders write')
  await page.getByRole('button', { name: 'Add scope' }).click()
  await page.getByText('A scope is one word').waitFor()
  await page.getByLabel('New scope').fill('orders:write')
  await page.getByLabel('Description', { exact: true }).fill('Change your orders')
  await page.getByRole('button', { name: 'Add scope' }).click()
  await page.getByRole('table', { name: 'Scopes' }).getByText('Change your orders').waitFor()

  // An initial access token for dynamic registration, shown once.
  await page.getByLabel('Valid for').selectOption({ label: '1 hour' })
  await page.getByRole('button', { name: 'Make a registration token' }).click()
  assert.ok((await page.getByLabel('Initial access token', { exact: true }).inputValue()).length > 10)
  await shot('clients')
})

test('Identity providers: test an issuer, add it, disable it, remove it', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/identity-providers`)
  await page.getByRole('button', { name: 'Add a provider' }).click()
  const dlg = page.getByRole('dialog', { name: 'Add an identity provider' })
  await dlg.getByLabel('Issuer URL').fill('http://idp.example')
  await dlg.getByRole('button', { name: 'Add provider' }).click()
  await dlg.getByText('The issuer must be https').waitFor()
  await dlg.getByText('Give at least one accepted audience').waitFor()
  // This server is an OpenID provider on loopback: test the connection to it.
  await dlg.getByLabel('Issuer URL').fill(base)
  await dlg.getByRole('button', { name: 'Test this issuer' }).click()
  const report = page.getByTestId('idp-report')
  await report.getByText(`Reached ${base}`).waitFor()
  assert.match(await report.textContent(), /jwks\.json/)
  await shot('idp-report')
  await page.getByRole('dialog', { name: `Connection to ${base}` }).getByRole('button', { name: 'Close' }).click()
  await dlg.getByLabel('Display name').fill('Partner SSO')
  await dlg.getByLabel('ID', { exact: true }).fill('partner')
  await dlg.getByLabel('Accepted audiences').fill('partner-api')
  await dlg.getByRole('button', { name: 'Add provider' }).click()
  const addedOrError = page.getByText(/^Added Partner SSO\./).or(dlg.getByRole('alert'))
  await addedOrError.waitFor()
  assert.ok(await page.getByText(/^Added Partner SSO\./).isVisible(), `the provider was refused: ${await dlg.getByRole('alert').textContent().catch(() => '')}`)
  const row = page.getByRole('table', { name: 'Identity providers' }).getByRole('row', { name: /Partner SSO/ })
  assert.match(await row.textContent(), /enabled/)
  await page.getByRole('button', { name: 'Disable Partner SSO' }).click()
  await page.getByText('Disabled Partner SSO.').waitFor()
  await row.getByText('disabled', { exact: true }).waitFor()
  await shot('identity-providers')
  await page.getByRole('button', { name: 'Remove Partner SSO' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Remove provider' }).click()
  await page.getByText('Removed Partner SSO.').waitFor()
  await page.getByText('None yet.', { exact: false }).waitFor()
})

test('Keys: rotate now, then revoke a key after typing its kid', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/keys`)
  const table = page.getByTestId('keys-table')
  await table.getByText('active').first().waitFor()
  await page.getByRole('button', { name: /^Rotate ES256 now$/ }).click()
  await page.getByText(/Rotation of ES256 staged/).waitFor()
  const timeline = page.getByTestId('keys-timeline')
  // ES256 and RS256 each have a next key in the staged lifecycle.
  await timeline.getByRole('article', { name: /^Next key / }).first().waitFor()
  await shot('keys')
  const nextRow = table.locator('tr.next', { hasText: 'ES256' }).first()
  const kid = (await nextRow.locator('code.kid').textContent()).trim()
  await page.getByRole('button', { name: `Revoke key ${kid}` }).click()
  const dlg = page.getByRole('dialog')
  const submit = dlg.getByRole('button', { name: 'Revoke the key' })
  await dlg.getByLabel('Why (goes into the audit log)').fill('browser test')
  assert.equal(await submit.isDisabled(), true, 'revocation allowed without typing the kid')
  await dlg.getByLabel(`Type ${kid} to confirm`).fill(kid.slice(0, -1))
  assert.equal(await submit.isDisabled(), true, 'revocation allowed with a wrong kid')
  await dlg.getByLabel(`Type ${kid} to confirm`).fill(kid)
  await submit.click()
  await page.getByText(`Key ${kid} revoked`).waitFor()
  assert.ok(!(await page.getByTestId('jwks').textContent()).includes(kid), 'a revoked key is still in the JWKS')
  await shot('keys-after-revoke')
})

test('Tokens: a real grant is listed, inspected, and its revocation shows in the live audit log', { timeout: 90_000 }, async () => {
  assert.ok(backend, 'the Clients test registered no client')
  // A real authorization code flow for Orders backend, in another tab (the admin's session signs in).
  const verifier = b64url(randomBytes(32))
  const challenge = b64url(createHash('sha256').update(verifier).digest())
  const redirect = 'http://127.0.0.1:9/callback'
  const flow = await context.newPage()
  await flow.route('http://127.0.0.1:9/**', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }))
  const q = new URLSearchParams({ response_type: 'code', client_id: backend.id, redirect_uri: redirect, scope: 'openid profile offline_access',
    state: 'st', code_challenge: challenge, code_challenge_method: 'S256' })
  await flow.goto(`${base}/authorize?${q}`)
  await flow.waitForURL(/\/consent\?/)
  await flow.getByRole('button', { name: 'Allow' }).click()
  await flow.waitForURL(/127\.0\.0\.1:9\/callback/)
  const code = new URL(flow.url()).searchParams.get('code')
  await flow.close()
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${backend.id}:${backend.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }),
  })
  const tok = await res.json()
  assert.equal(res.status, 200, JSON.stringify(tok))

  await page.goto(`${base}/console/#/tokens`)
  await page.getByLabel('Client').selectOption(backend.id)
  await page.getByRole('button', { name: 'Search' }).click()
  const grants = page.getByTestId('grants-table')
  // Only the new client's grant once the search is answered.
  await page.waitForFunction((name) => {
    const rows = [...document.querySelectorAll('[data-testid="grants-table"] tbody tr')]
    return rows.length === 1 && rows[0].textContent.includes(name)
  }, 'Orders backend')
  await grants.getByText('openid profile offline_access').waitFor()
  // The key filter: the grant was signed by the active key, and no other key's filter lists it.
  const kid = JSON.parse(Buffer.from(tok.access_token.split('.')[0], 'base64url').toString()).kid
  await grants.locator(`td[title="${kid}"]`).waitFor()
  const keyOptions = await page.getByLabel('Signing key').locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean))
  assert.ok(keyOptions.includes(kid), `the key filter offers ${keyOptions}, not ${kid}`)
  const otherKid = keyOptions.find((k) => k !== kid)
  if (otherKid) {
    await page.getByLabel('Signing key').selectOption(otherKid)
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('No live grants match.', { exact: false }).waitFor()
  }
  await page.getByLabel('Signing key').selectOption(kid)
  await page.getByRole('button', { name: 'Search' }).click()
  await grants.getByText('openid profile offline_access').waitFor()

  await page.getByLabel('Token', { exact: true }).fill(tok.access_token)
  await page.getByRole('button', { name: 'Decode and verify' }).click()
  const inspection = page.getByTestId('token-inspection')
  await inspection.getByText('active', { exact: true }).waitFor()
  assert.match(await inspection.textContent(), /signature: valid/)
  assert.match(await inspection.textContent(), new RegExp(`"client_id": "${backend.id}"`))
  await shot('tokens')

  // The audit log, live in a second tab, while the family is revoked here.
  // (RevokeGrant records token.revoked with the reason, client and subject, and an admin.action.)
  const audit = await openTab('#/audit', 'Audit log')
  await audit.getByLabel('Type').selectOption('token.revoked')
  await audit.getByRole('button', { name: 'Apply' }).click()
  await audit.getByTestId('audit-table').getByText('No events match.').waitFor()

  await grants.getByRole('button', { name: /^Revoke grant / }).click()
  const dlg = page.getByRole('dialog', { name: 'Revoke this grant?' })
  await dlg.getByLabel('Reason (kept in the audit log)').fill('walked through by the browser test')
  await dlg.getByRole('button', { name: 'Revoke grant' }).click()
  await page.getByText(/^Revoked grant /).waitFor()

  await audit.getByTestId('audit-table').getByText('token.revoked').waitFor({ timeout: 8000 }) // no reload: the poll brought it
  // The Client column names the client, with its id on hover.
  await audit.getByTestId('audit-table').locator(`td[title="${backend.id}"]`, { hasText: 'Orders backend' }).first().waitFor()
  await audit.getByRole('button', { name: /Details of event/ }).first().click()
  const revokedEvent = await audit.getByTestId('audit-detail').textContent()
  assert.match(revokedEvent, /walked through by the browser test/)
  assert.match(revokedEvent, new RegExp(backend.id))
  await audit.screenshot({ path: join(ARTIFACTS, 'browser-audit-live.png'), fullPage: true })
  await audit.close()

  // The refresh token of the family no longer works, and the access token is no longer active.
  const refreshed = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${backend.id}:${backend.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tok.refresh_token }),
  })
  assert.equal(refreshed.status, 400)
  await page.getByRole('button', { name: 'Decode and verify' }).click()
  await inspection.getByText('not active').waitFor()

  // Everything of a client, in one go.
  await page.getByRole('button', { name: 'Revoke all tokens of this client' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke all of this client' }).click()
  await page.getByText(/^Revoked 0 grants of client Orders backend/).waitFor()
})

test('Gateway: add a route with validation, edit it, see its counters, make a feed token', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/gateway`)
  await page.getByRole('button', { name: 'Add a route' }).click()
  const dlg = page.getByRole('dialog', { name: 'Add a route' })
  await dlg.getByLabel('Path prefix').fill('orders')
  await dlg.getByLabel('Upstream URL').fill('not a url')
  await dlg.getByLabel('Rate limit per client').fill('lots')
  await dlg.getByRole('button', { name: 'Add route' }).click()
  await dlg.getByText('A path prefix starts with “/”', { exact: false }).waitFor()
  await dlg.getByText('The upstream must be a full URL', { exact: false }).waitFor()
  await dlg.getByText('Write a rate as N/s, N/m or N/h', { exact: false }).waitFor()
  await dlg.getByLabel('Path prefix').fill('/orders/')
  await dlg.getByLabel('Upstream URL').fill('http://127.0.0.1:9/orders')
  await dlg.getByLabel('Rate limit per client').fill('100/m')
  await dlg.getByLabel('Required scopes').fill('orders:read')
  await dlg.getByLabel('Audience').fill('orders-api')
  await dlg.getByRole('button', { name: 'Add route' }).click()
  await page.getByText('Added the route /orders/').waitFor()
  const routes = page.getByTestId('routes-table')
  const row = routes.getByRole('row', { name: /\/orders\// })
  assert.match(await row.textContent(), /orders:read/)
  assert.match(await row.textContent(), /100\/m per client/)

  await page.getByRole('button', { name: 'Edit route /orders/' }).click()
  const edit = page.getByRole('dialog', { name: 'Edit route /orders/' })
  await edit.getByLabel('Methods').fill('GET')
  await edit.getByRole('button', { name: 'Save route' }).click()
  await page.getByText('Saved the route /orders/').waitFor()
  assert.match(await row.textContent(), /GET/)

  // A request without a token is refused and counted.
  const denied = await fetch(`${base}/orders/1`)
  assert.equal(denied.status, 401)
  await routes.getByRole('cell', { name: '1', exact: true }).first().waitFor({ timeout: 8000 })

  // Upstream health: nothing listens on 127.0.0.1:9, and Check says so in words.
  const health = page.getByTestId('health-/orders/')
  assert.match(await health.textContent(), /no traffic yet/)
  await page.getByRole('button', { name: 'Check the upstream of /orders/' }).click()
  await health.getByText('down', { exact: true }).waitFor()
  assert.match(await health.getByRole('status').textContent(), /refused|no answer/)

  await page.getByRole('button', { name: 'New feed token' }).click()
  assert.ok((await page.getByLabel('Feed token', { exact: true }).inputValue()).length > 10)
  await shot('gateway')
})

test('Flow tester: a one-click test client runs client credentials', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/flow-tester`)
  await page.getByRole('button', { name: 'Create a confidential test client' }).click()
  await page.getByLabel('Test client secret', { exact: true }).waitFor()
  assert.equal(await page.getByLabel('Flow', { exact: true }).inputValue(), 'client_credentials')
  await page.getByRole('button', { name: 'Run flow' }).click()
  const run = page.getByTestId('flow-run')
  await run.getByText('done', { exact: true }).waitFor({ timeout: 20_000 })
  assert.match(await run.textContent(), /access_token/)
  await page.getByRole('button', { name: 'Export as curl' }).click()
  assert.match(await page.getByLabel('Export', { exact: true }).inputValue(), /curl /)
  await shot('flow-tester')

  // Saved (without its secret), then re-run from the list after a reload.
  await page.getByLabel('Save as').fill('service token')
  await page.getByRole('button', { name: 'Save flow' }).click()
  await page.getByText('Saved “service token” (without the client secret).').waitFor()
  const secret = await page.getByLabel('Client secret', { exact: true }).inputValue()
  await page.reload()
  await page.getByLabel('Saved flows').selectOption('service token')
  assert.equal(await page.getByLabel('Flow', { exact: true }).inputValue(), 'client_credentials')
  assert.equal(await page.getByLabel('Client secret', { exact: true }).inputValue(), '')
  await page.getByLabel('Client secret', { exact: true }).fill(secret)
  await page.getByRole('button', { name: 'Run flow' }).click()
  await page.getByTestId('flow-run').getByText('done', { exact: true }).waitFor({ timeout: 20_000 })
})

test('Audit log: the key revocation is there, filters apply, details open, the chain verifies, export downloads', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/audit`)
  const table = page.getByTestId('audit-table')
  await table.getByText('key.revoked').first().waitFor()
  await page.getByLabel('Type').selectOption('key.revoked')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.waitForFunction(() => {
    const codes = [...document.querySelectorAll('[data-testid="audit-table"] tbody code')]
    return codes.length > 0 && codes.every((c) => c.textContent === 'key.revoked')
  })
  await table.getByRole('button', { name: /Details of event/ }).first().click()
  const detail = page.getByTestId('audit-detail')
  assert.match(await detail.textContent(), /browser test/)
  await shot('audit-detail')
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()

  // A gjson expression over the event.
  await page.getByLabel('Type').selectOption('')
  await page.getByLabel('Expression (gjson)').fill('details.action=="client.rotate_secret"')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.waitForFunction(() => {
    const codes = [...document.querySelectorAll('[data-testid="audit-table"] tbody code')]
    return codes.length === 1 && codes[0].textContent === 'admin.action'
  })

  await page.getByRole('button', { name: 'Verify chain' }).click()
  assert.match(await page.getByTestId('audit-verify').textContent(), /Hash chain intact/)
  const exportLines = async (name) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()])
    assert.match(download.suggestedFilename(), /^latchkey-audit-.*\.jsonl$/)
    const file = join(tmpRoot, name)
    await download.saveAs(file)
    return (await import('node:fs')).readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  }
  // The export takes the filters that are applied: here, the one secret rotation.
  const filtered = await exportLines('audit-filtered.jsonl')
  assert.equal(filtered.length, 1, `the filtered export has ${filtered.length} events`)
  assert.equal(filtered[0].details.action, 'client.rotate_secret')
  assert.match(filtered[0].hash, /^[0-9a-f]{64}$/)
  await shot('audit')
  // Without filters: everything, oldest first, the whole chain.
  await page.getByRole('button', { name: 'Clear' }).click()
  const lines = await exportLines('audit.jsonl')
  assert.ok(lines.length > 10, `only ${lines.length} events exported`)
  assert.ok(lines.some((e) => e.type === 'key.revoked'))
  assert.ok(lines.every((e, i) => i === 0 || e.seq === lines[i - 1].seq + 1), 'the full export is the chain in order')
  assert.ok(lines.every((e, i) => i === 0 || e.prev_hash === lines[i - 1].hash), 'the full export links by hash')
})

test('Settings: a live setting is validated at its field, saved, applied, kept after reload, and audited', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/settings`)
  const facts = page.getByTestId('settings-facts')
  await facts.getByText(base, { exact: true }).waitFor()
  assert.match(await facts.textContent(), new RegExp(dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  assert.match(await page.getByTestId('settings-tls').textContent(), /none: start with --tls-auto/)
  const access = page.getByLabel('Access-token lifetime')
  assert.equal(await access.inputValue(), '10m')
  // Out of bounds: said at the field, in words, and nothing is saved.
  await access.fill('30s')
  await page.getByRole('button', { name: /^Save/ }).click()
  await page.getByText('Access-token lifetime: must be from 1m to 1d').waitFor()
  assert.equal(await access.getAttribute('aria-invalid'), 'true')
  await access.fill('15m')
  await page.getByLabel('Failed logins before an account locks').fill('7')
  await page.getByRole('button', { name: 'Save 2 changes' }).click()
  await page.getByTestId('settings-notice').getByText(
    'Saved and in force now: Access-token lifetime 10m → 15m; Failed logins before an account locks 5 → 7.').waitFor()
  // Kept across a reload, marked as saved with the default beside it.
  await page.reload()
  await page.getByLabel('Access-token lifetime').waitFor()
  assert.equal(await page.getByLabel('Access-token lifetime').inputValue(), '15m')
  assert.equal(await page.getByLabel('Failed logins before an account locks').inputValue(), '7')
  await page.getByText('saved in Settings (default 10m)').waitFor()
  await page.getByText(/Last saved by admin/).waitFor()
  await shot('settings')
  // The admin.action event names the actor and each change.
  await page.goto(`${base}/console/#/audit`)
  await page.getByLabel('Expression (gjson)').fill('details.action=="settings.update"')
  await page.getByRole('button', { name: 'Apply' }).click()
  const table = page.getByTestId('audit-table')
  await page.waitForFunction(() => {
    const codes = [...document.querySelectorAll('[data-testid="audit-table"] tbody code')]
    return codes.length === 1 && codes[0].textContent === 'admin.action'
  })
  await table.getByRole('button', { name: /Details of event/ }).first().click()
  const detail = await page.getByTestId('audit-detail').textContent()
  assert.match(detail, /access_token_ttl/)
  assert.match(detail, /15m/)
  assert.match(detail, /admin/)
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
  // Back to the defaults for the tests that follow.
  await page.goto(`${base}/console/#/settings`)
  await page.getByRole('button', { name: 'Reset to defaults' }).click()
  await page.getByRole('button', { name: 'Save 2 changes' }).click()
  await page.getByTestId('settings-notice').getByText(/Access-token lifetime 15m → 10m/).waitFor()
})

test('Dashboard: the first steps are ticked from what was done', { timeout: 30_000 }, async () => {
  await page.goto(`${base}/console/#/dashboard`)
  await page.getByTestId('first-steps').getByText('3 of 3 done').waitFor()
  // Tokens were issued in this walk: the chart counts them.
  await page.waitForFunction(() => /: [1-9]\d* in all/.test(document.querySelector('[data-testid="chart-tokens_issued"] svg')?.getAttribute('aria-label') ?? ''))
  await page.getByRole('group', { name: 'Time span' }).getByRole('button', { name: 'Day' }).click()
  await page.getByRole('heading', { name: 'Last day' }).waitFor()
  await shot('dashboard-after')
})

test('Sign out drops the token; signing in again is quick', { timeout: 30_000 }, async () => {
  await page.goto(`${base}/console/#/dashboard`)
  await page.getByTestId('sidebar-who').getByText('admin').waitFor()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Signed out' }).waitFor()
  assert.equal(await page.evaluate(() => sessionStorage.getItem('latchkey.console.token')), null)
  await shot('signed-out')
  await page.getByRole('button', { name: 'Sign in again' }).click()
  await page.waitForURL((u) => u.pathname === '/console/' || u.pathname.startsWith('/consent'))
  if (page.url().includes('/consent')) await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
})

test('A token the server refuses (401) starts a new sign-in, quick with the session', { timeout: 30_000 }, async () => {
  await page.goto(`${base}/console/#/users`)
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
  await page.evaluate(() => sessionStorage.setItem('latchkey.console.token', 'not-a-token'))
  await page.reload()
  await page.waitForURL((u) => u.pathname.startsWith('/consent') || (u.pathname === '/console/' && !u.search.includes('code=') &&
    !!u.hash), { timeout: 15_000 }).catch(() => {})
  if (page.url().includes('/consent')) await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
  await page.getByRole('button', { name: 'Show alice' }).waitFor()
  const token = await page.evaluate(() => sessionStorage.getItem('latchkey.console.token'))
  assert.ok(token && token !== 'not-a-token', 'no new token after the 401')
})

test('First run: a server without an administrator offers to create one, then signs in', { timeout: 90_000 }, async () => {
  const second = await startLatchkey({ dataDir: join(tmpRoot, 'fresh') })
  const fresh = second.base
  const p = await context.newPage()
  try {
    await p.goto(`${fresh}/console/`)
    await p.getByRole('heading', { name: 'Create the first administrator' }).waitFor()
    await p.getByLabel('Username').fill('root')
    await p.getByLabel('Email').fill('root@example.com')
    await p.getByLabel('Password').fill('first-admin-password')
    await p.screenshot({ path: join(ARTIFACTS, 'browser-first-run.png') })
    await p.getByRole('button', { name: 'Create administrator' }).click()
    await p.waitForURL(/\/login\?/)
    await p.getByLabel('Username').fill('root')
    await p.getByLabel('Password').fill('first-admin-password')
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.waitForURL(/\/consent\?/)
    await p.getByRole('button', { name: 'Allow' }).click()
    await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
    await p.getByTestId('sidebar-who').getByText('root').waitFor()
    // Once there is an administrator, the first-run call is refused.
    const again = await fetch(`${fresh}/console/api/CreateFirstAdmin`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ username: 'mallory', password: 'mallory-password', admin: true }]) })
    assert.ok(again.status >= 400, `CreateFirstAdmin answered ${again.status} with an administrator present`)
  } finally {
    await p.close()
    await second.stop()
  }
})
