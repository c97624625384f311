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
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const { chromium } = createRequire(join(repo, 'frontend', 'package.json'))('playwright-core')

const BIN = resolve(repo, process.env.LATCHKEY_BIN || 'build/bin/latchkey')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const ARTIFACTS = resolve(repo, process.env.ARTIFACTS || 'test-artifacts')
const ADMIN = { username: 'flowadmin', password: 'flow-tester-horse-battery' }

let server
let serverLog = ''
let context
let page
let base
const tmpRoot = mkdtempSync(join(tmpdir(), 'latchkey-flowtester-'))

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.unref()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitForDiscovery(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`latchkey serve exited (${server.exitCode ?? server.signalCode}):\n${serverLog}`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = err.message
    }
    await sleep(200)
  }
  throw new Error(`latchkey serve did not answer ${url} within ${timeoutMs} ms (${last}):\n${serverLog}`)
}

function stopServer() {
  return new Promise((done) => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return done()
    const kill = setTimeout(() => server.kill('SIGKILL'), 5000)
    server.once('exit', () => {
      clearTimeout(kill)
      done()
    })
    server.kill('SIGTERM')
  })
}

before(async () => {
  assert.ok(existsSync(BIN), `no latchkey binary at ${BIN}: build it (make build) or set LATCHKEY_BIN`)
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}`)
  mkdirSync(ARTIFACTS, { recursive: true })
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const dataDir = join(tmpRoot, 'data')
  const made = spawnSync(BIN, ['user', 'create', '--admin', '--data', dataDir, '--username', ADMIN.username,
    '--email', 'flowadmin@example.com', '--password-stdin'], { input: `${ADMIN.password}\n`, encoding: 'utf8', timeout: 30_000 })
  assert.equal(made.status, 0, `latchkey user create --admin failed: ${made.stderr}`)
  server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  process.once('exit', () => server?.kill('SIGKILL'))
  server.stdout.on('data', (b) => (serverLog += b))
  server.stderr.on('data', (b) => (serverLog += b))
  await waitForDiscovery(`${base}/.well-known/openid-configuration`, 30_000)
  context = await chromium.launchPersistentContext(join(tmpRoot, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  context.setDefaultTimeout(10_000)
  context.setDefaultNavigationTimeout(15_000)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (e) => (serverLog += `[page error] ${e.message}\n`))
  page.on('console', (m) => {
    if (m.type() === 'error') serverLog += `[page error] ${m.text()}\n`
  })
}, { timeout: 90_000 })

after(async () => {
  await context?.close().catch(() => {})
  await stopServer()
  try {
    writeFileSync(join(ARTIFACTS, 'browser-flowtester-server.log'), serverLog)
  } catch {
    // no artifacts folder when setup failed early
  }
  rmSync(tmpRoot, { recursive: true, force: true })
}, { timeout: 30_000 })

test('the console signs in', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/`)
  await page.waitForURL(/\/login\?/)
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/consent\?/)
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
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
