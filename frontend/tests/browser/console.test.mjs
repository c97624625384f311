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
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
// playwright-core is a devDependency of frontend/ (npm ci there installs it).
const { chromium } = createRequire(join(repo, 'frontend', 'package.json'))('playwright-core')

const BIN = resolve(repo, process.env.LATCHKEY_BIN || 'build/bin/latchkey')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const ARTIFACTS = resolve(repo, process.env.ARTIFACTS || 'test-artifacts')

const SCREENS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'clients', label: 'Clients' },
  { id: 'users', label: 'Users' },
  { id: 'keys', label: 'Keys' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'flow-tester', label: 'Flow tester' },
  { id: 'gateway', label: 'Gateway' },
  { id: 'audit', label: 'Audit log' },
  { id: 'settings', label: 'Settings' },
]

const ADMIN = { username: 'admin', password: 'correct-horse-battery-staple' }

let server // the latchkey child process
let serverLog = ''
let context
let page
let base // http://127.0.0.1:PORT
let dataDir
const tmpRoot = mkdtempSync(join(tmpdir(), 'latchkey-browser-'))

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
      throw new Error(`latchkey serve exited (${server.exitCode ?? server.signalCode}) before answering:\n${serverLog}`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return await res.json()
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

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `browser-${name}.png`), fullPage: true, timeout: 10_000 })
}

before(async () => {
  assert.ok(existsSync(BIN), `no latchkey binary at ${BIN}: build it (make build) or set LATCHKEY_BIN`)
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM`)
  mkdirSync(ARTIFACTS, { recursive: true })

  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  dataDir = join(tmpRoot, 'data')
  // The first administrator, made with the CLI before the server holds the data directory.
  const made = spawnSync(BIN, ['user', 'create', '--admin', '--data', dataDir, '--username', ADMIN.username,
    '--email', 'admin@example.com', '--password-stdin'], { input: `${ADMIN.password}\n`, encoding: 'utf8', timeout: 30_000 })
  assert.equal(made.status, 0, `latchkey user create --admin failed: ${made.stderr}`)
  server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // If this process dies without running after(), take the server with it.
  process.once('exit', () => server?.kill('SIGKILL'))
  server.stdout.on('data', (b) => (serverLog += b))
  server.stderr.on('data', (b) => (serverLog += b))
  await waitForDiscovery(`${base}/.well-known/openid-configuration`, 30_000)

  // A fresh profile in a temp dir (playwright passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(join(tmpRoot, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  context.setDefaultTimeout(10_000)
  context.setDefaultNavigationTimeout(15_000)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') serverLog += `[page ${m.type()}] ${m.text()}\n`
  })
  page.on('pageerror', (e) => (serverLog += `[page error] ${e.message}\n`))
}, { timeout: 90_000 })

after(async () => {
  await context?.close().catch(() => {})
  await stopServer()
  try {
    writeFileSync(join(ARTIFACTS, 'browser-server.log'), serverLog)
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
  while (!serverLog.includes('console ready') && Date.now() < deadline) await sleep(100)
  assert.ok(serverLog.includes('console ready'), 'the server never logged "console ready"')
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

test('Keys: rotate now, then revoke a key after typing its kid', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/keys`)
  const table = page.getByTestId('keys-table')
  await table.getByText('active').first().waitFor()
  await page.getByRole('button', { name: /^Rotate ES256 now$/ }).click()
  await page.getByText(/Rotation of ES256 staged/).waitFor()
  const nextRow = table.locator('tr.next').first()
  const kid = (await nextRow.locator('code.kid').textContent()).trim()
  await page.getByRole('button', { name: `Revoke key ${kid}` }).click()
  const submit = page.getByRole('button', { name: 'Revoke the key' })
  await page.getByLabel('Why (goes into the audit log)').fill('browser test')
  assert.equal(await submit.isDisabled(), true, 'revocation allowed without typing the kid')
  await page.getByLabel('Type the kid to confirm').fill(kid)
  await submit.click()
  await page.getByText(`Key ${kid} revoked`).waitFor()
  assert.ok(!(await page.getByTestId('jwks').textContent()).includes(kid), 'a revoked key is still in the JWKS')
  await shot('keys-after-revoke')
})

test('Audit log: the key revocation appears, filters apply, the chain verifies', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/console/#/audit`)
  const table = page.getByTestId('audit-table')
  await table.getByText('key.revoked').first().waitFor()
  await page.getByLabel('Type').selectOption('key.revoked')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-table"] tbody code')].every((c) => c.textContent === 'key.revoked'))
  await table.getByRole('button', { name: /Details of event/ }).first().click()
  assert.match(await page.getByTestId('audit-detail').textContent(), /browser test/)
  await page.getByRole('button', { name: 'Verify chain' }).click()
  assert.match(await page.getByTestId('audit-verify').textContent(), /Hash chain intact/)
  await shot('audit')
})
