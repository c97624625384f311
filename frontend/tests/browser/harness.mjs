// What every browser test file needs: the paths (LATCHKEY_BIN, CHROMIUM,
// ARTIFACTS), a `latchkey serve` of its own on a free 127.0.0.1 port with
// its own data directory (and, if asked, a first administrator made with
// the CLI), and Debian's Chromium through playwright-core. Never a
// downloaded browser.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
// playwright-core is a devDependency of frontend/ (npm ci there installs it).
export const { chromium } = createRequire(join(repo, 'frontend', 'package.json'))('playwright-core')

export const BIN = resolve(repo, process.env.LATCHKEY_BIN || 'build/bin/latchkey')
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
export const ARTIFACTS = resolve(repo, process.env.ARTIFACTS || 'test-artifacts')

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Says what to do when the binary or Chromium is missing; makes the artifacts folder. */
export function checkPrerequisites() {
  assert.ok(existsSync(BIN), `no latchkey binary at ${BIN}: build it (make build) or set LATCHKEY_BIN`)
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM`)
  mkdirSync(ARTIFACTS, { recursive: true })
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export function freePort() {
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

/**
 * Starts `latchkey serve` on a free port with dataDir. With admin
 * ({ username, password, email }), the first administrator is made with the
 * CLI first. Resolves once discovery answers; the result has base (the
 * issuer), proc, log() (stdout and stderr so far, plus note()d lines) and
 * stop(). If this process exits first, the server goes with it. host names
 * the issuer (it still listens on 127.0.0.1): passkeys need a host name
 * such as localhost, never an IP address.
 */
export async function startLatchkey({ dataDir, admin, host = '127.0.0.1', timeoutMs = 30_000 }) {
  if (admin) {
    const made = spawnSync(BIN, ['user', 'create', '--admin', '--data', dataDir, '--username', admin.username,
      '--email', admin.email ?? `${admin.username}@example.com`, '--password-stdin'],
    { input: `${admin.password}\n`, encoding: 'utf8', timeout: 30_000 })
    assert.equal(made.status, 0, `latchkey user create --admin failed: ${made.stderr}`)
  }
  const port = await freePort()
  const base = `http://${host}:${port}`
  const issuer = host === '127.0.0.1' ? [] : ['--issuer', base]
  const proc = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--log-format', 'json', ...issuer], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  proc.stdout.on('data', (b) => (log += b))
  proc.stderr.on('data', (b) => (log += b))
  process.once('exit', () => proc.kill('SIGKILL'))
  const exited = () => proc.exitCode !== null || proc.signalCode !== null
  const server = {
    base,
    dataDir,
    proc,
    log: () => log,
    note: (line) => (log += line.endsWith('\n') ? line : `${line}\n`),
    stop: () =>
      new Promise((done) => {
        if (exited()) return done()
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5000)
        proc.once('exit', () => {
          clearTimeout(kill)
          done()
        })
        proc.kill('SIGTERM')
      }),
  }
  const url = `http://127.0.0.1:${port}/.well-known/openid-configuration`
  const deadline = Date.now() + timeoutMs
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`latchkey serve exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${log}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return server
      last = `HTTP ${res.status}`
    } catch (err) {
      last = err.message
    }
    await sleep(200)
  }
  await server.stop()
  throw new Error(`latchkey serve did not answer ${url} within ${timeoutMs} ms (${last}):\n${log}`)
}

/**
 * Debian's Chromium, headless, with a fresh profile under profileDir. Page
 * errors and console errors and warnings go to note (a server's note, so
 * they land in the saved log).
 */
export async function launchChromium(profileDir, { viewport = { width: 1280, height: 800 }, note = () => {} } = {}) {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  context.setDefaultTimeout(10_000)
  context.setDefaultNavigationTimeout(15_000)
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') note(`[page ${m.type()}] ${m.text()}`)
  })
  page.on('pageerror', (e) => note(`[page error] ${e.message}`))
  return { context, page }
}

/** Signs page in to the console at base through Latchkey's login and consent pages. */
export async function signIn(page, base, admin) {
  await page.goto(`${base}/console/`)
  await page.waitForURL(/\/login\?/)
  await page.getByLabel('Username').fill(admin.username)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/consent\?/)
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
}
