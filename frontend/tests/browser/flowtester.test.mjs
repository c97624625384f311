// Browser test of the Flow tester's authorization code + PKCE flow: starts
// its own `latchkey serve` (own port, data directory and administrator),
// signs in to the console, creates a one-click public test client, runs the
// code flow from the screen, completes Latchkey's login and consent pages in
// the tab the screen opens, and watches the trace fill in live until the
// token response, the decoded tokens and the findings are there. The trace
// is saved as test-artifacts/browser-flowtester-code.png.
//
//   LATCHKEY_BIN=build/bin/latchkey node --test frontend/tests/browser/flowtester.test.mjs
//
// Env: LATCHKEY_BIN (default build/bin/latchkey), CHROMIUM (default
// /usr/bin/chromium), ARTIFACTS (default <repo>/test-artifacts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ARTIFACTS, checkPrerequisites, launchChromium, signIn, startLatchkey } from './harness.mjs'

const ADMIN = { username: 'flowadmin', password: 'flow-tester-horse-battery', email: 'flowadmin@example.com' }

let server
let context
let page
let base
const tmpRoot = mkdtempSync(join(tmpdir(), 'latchkey-flowtester-'))

before(async () => {
  checkPrerequisites()
  server = await startLatchkey({ dataDir: join(tmpRoot, 'data'), admin: ADMIN })
  base = server.base
  ;({ context, page } = await launchChromium(join(tmpRoot, 'chromium'), { viewport: { width: 1280, height: 900 }, note: server.note }))
}, { timeout: 90_000 })

after(async () => {
  await context?.close().catch(() => {})
  await server?.stop()
  try {
    writeFileSync(join(ARTIFACTS, 'browser-flowtester-server.log'), server?.log() ?? '')
  } catch {
    // no artifacts folder when setup failed early
  }
  rmSync(tmpRoot, { recursive: true, force: true })
}, { timeout: 30_000 })

test('the console signs in', { timeout: 60_000 }, async () => {
  await signIn(page, base, ADMIN)
})

test('Flow tester: authorization code + PKCE through the login and consent pages, trace live to the end', { timeout: 120_000 }, async () => {
  await page.goto(`${base}/console/#/flow-tester`)
  await page.getByRole('heading', { level: 1, name: 'Flow tester' }).waitFor()
  await page.getByRole('button', { name: 'Create a public test client' }).click()
  await page.waitForFunction(() => document.querySelector('#ft-client')?.value !== '')
  assert.equal(await page.getByLabel('Flow', { exact: true }).inputValue(), 'authorization_code')
  // The console's own session would skip the login page: ask to sign in again.
  await page.getByLabel('Prompt (OIDC)').selectOption('login')
  await page.getByLabel('Scope', { exact: true }).fill('openid profile')
  await page.getByRole('button', { name: 'Run flow' }).click()

  const run = page.getByTestId('flow-run')
  const steps = page.getByTestId('flow-steps')
  const open = run.getByRole('button', { name: 'Open the authorization page' })
  await open.waitFor({ timeout: 20_000 })
  // Live: discovery, JWKS and the authorization request are there while the flow waits for the user.
  await steps.getByText('Authorization request (browser)').waitFor()
  assert.match(await run.textContent(), /running…/)
  assert.doesNotMatch(await steps.textContent(), /Token request/)

  const [popup] = await Promise.all([context.waitForEvent('page'), open.click()])
  await popup.waitForURL(/\/login\?/)
  assert.equal(new URL(popup.url()).origin, base)
  await popup.getByLabel('Username').fill(ADMIN.username)
  await popup.getByLabel('Password').fill(ADMIN.password)
  await popup.screenshot({ path: join(ARTIFACTS, 'browser-flowtester-login.png') })
  await popup.getByRole('button', { name: 'Sign in' }).click()
  await popup.waitForURL(/\/consent\?/)
  await popup.getByRole('button', { name: 'Allow' }).click()
  // The loopback listener (RFC 8252) of the server's flow runner catches the redirect.
  await popup.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/)
  const back = new URL(popup.url())
  assert.ok(back.searchParams.get('code') && back.searchParams.get('state'))
  assert.equal(back.searchParams.get('iss'), base)
  assert.match(await popup.textContent('body'), /reached the flow tester/)
  await popup.close()

  await run.getByText('done', { exact: true }).waitFor({ timeout: 20_000 })
  const names = await steps.locator('summary strong').allTextContents()
  assert.deepEqual(names, ['Discovery /.well-known/openid-configuration', 'JWKS', 'Authorization request (browser)',
    'Authorization response (loopback redirect)', 'Token request (authorization_code)'])
  // Every step open, as a reader would look at it.
  await page.evaluate(() => document.querySelectorAll('[data-testid="flow-steps"] details').forEach((d) => (d.open = true)))
  const text = await steps.textContent()
  for (const want of [/code_challenge_method=S256/, /state=/, /nonce=/, /prompt=login/, /iss=/, /✓ state_round_trip/,
    /✓ iss_in_authorization_response/, /✓ pkce_s256/, /✓ nonce_round_trip/, /✓ at_hash/, /✓ id_token_azp/,
    /✓ signature: access_token: ES256 signature verified/, /✓ signature: id_token/, /✓ cache_control_no_store/]) {
    assert.match(text, want)
  }
  assert.doesNotMatch(text, /✗/, 'a check failed')
  // The code in the redirect is masked in the trace.
  assert.ok(!text.includes(back.searchParams.get('code')), 'the authorization code is shown in full')
  // Decoded tokens with verified signatures, and the findings panel.
  const tokens = await run.locator('.token').allTextContents()
  assert.ok(tokens.some((t) => /access_token/.test(t) && /signature verified/.test(t)))
  assert.ok(tokens.some((t) => /id_token/.test(t) && /signature verified/.test(t) && /"nonce"/.test(t)))
  const findings = await page.getByTestId('flow-findings').textContent()
  for (const want of [/S256/, /nonce/, /at_hash/, /azp/]) assert.match(findings, want)
  assert.doesNotMatch(findings, /\berror\b/)
  await run.screenshot({ path: join(ARTIFACTS, 'browser-flowtester-code.png'), timeout: 10_000 })

  // Exported, and saved then re-loaded with its prompt.
  await run.getByRole('button', { name: 'Export as JSON' }).click()
  const exported = JSON.parse(await page.getByLabel('Export', { exact: true }).inputValue())
  assert.equal(exported.flow, 'authorization_code')
  assert.equal(exported.steps.length, 5)
  await page.getByLabel('Save as').fill('code flow again')
  await page.getByRole('button', { name: 'Save flow' }).click()
  await page.getByText('Saved “code flow again” (without the client secret).').waitFor()
  await page.reload()
  await page.getByLabel('Saved flows').selectOption('code flow again')
  assert.equal(await page.getByLabel('Prompt (OIDC)').inputValue(), 'login')
})

test('Flow tester: the Federation flow asks for its external provider', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/flow-tester`)
  await page.reload() // a fresh form: no client chosen yet
  await page.getByLabel('Flow', { exact: true }).selectOption('federation')
  await page.getByRole('button', { name: 'Run flow' }).click()
  assert.equal((await page.getByRole('alert').textContent()).trim(), 'Give the external provider’s issuer.')
  await page.getByLabel('External provider issuer').fill('https://idp.example')
  await page.getByLabel('Client id at the external provider').fill('app')
  await page.getByLabel('Scope at the external provider').fill('openid email')
  assert.equal(await page.getByLabel('Client secret at the external provider').getAttribute('type'), 'password')
  await page.getByLabel('Gateway route to call').waitFor()
  assert.equal(await page.getByLabel('Scope', { exact: true }).inputValue(), 'profile')
  await page.getByRole('button', { name: 'Run flow' }).click()
  assert.equal((await page.getByRole('alert').textContent()).trim(), 'Choose the Latchkey client that exchanges the ID token.')
  await page.screenshot({ path: join(ARTIFACTS, 'browser-flowtester-federation-form.png'), fullPage: true })
})
