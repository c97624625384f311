// Passkeys in real Chromium with the DevTools virtual authenticator
// (CDP WebAuthn domain): register one on the account page, sign in with
// password + passkey and with the passkey alone, refuse another
// authenticator's credential for the same user and an assertion made for
// another relying party, remove it.
//
// The issuer is http://auth.app.localhost:<port>: browsers refuse an IP
// address as relying-party ID, Chromium resolves *.localhost to loopback
// and treats it as a secure context, and a host under app.localhost lets
// the page ask for the parent domain as RP ID, which Chromium allows
// (a registrable suffix of the origin's host), so the browser signs an
// assertion for the wrong RP and the server's own RP ID check is the one
// that must refuse it. (From a bare localhost there is no such parent:
// Chromium itself refuses any other RP ID, and the server is never asked.)
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ARTIFACTS, BIN, checkPrerequisites, launchChromium, startLatchkey } from './harness.mjs'

const alice = { username: 'alice', password: 'correct horse battery staple' }
const rpId = 'auth.app.localhost' // the issuer's host, so Latchkey's RP ID
const parentRpId = 'app.localhost' // another RP the page may claim
const authenticatorOptions = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
  isUserVerified: true, automaticPresenceSimulation: true,
}
let dir, server, context, page, cdp

before(async () => {
  checkPrerequisites()
  dir = mkdtempSync(join(tmpdir(), 'latchkey-passkeys-'))
  server = await startLatchkey({ dataDir: join(dir, 'data'), admin: alice, host: rpId })
  ;({ context, page } = await launchChromium(join(dir, 'profile'), { note: server.note }))
  cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
})

after(async () => {
  await context?.close()
  await server?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function addAuthenticator() {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: authenticatorOptions })
  return authenticatorId
}

async function signInWithPassword() {
  await page.goto(`${server.base}/account`)
  await page.waitForURL(/\/login\?/)
  await page.getByLabel('Username').fill(alice.username)
  await page.getByLabel('Password').fill(alice.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out', exact: true }).last().click()
  await page.waitForURL(/\/login/)
}

async function passkeySignIn() {
  await page.goto(`${server.base}/account`)
  await page.waitForURL(/\/login\?/)
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
}

const sessions = () => page.getByRole('list', { name: 'Your sessions' })

/**
 * A passkey sign-in the server must refuse. The test signs in a dozen
 * times within seconds from one address, past the login limit (ten at
 * once, then one every six seconds) when the machine is fast: a 429 is
 * waited out and the attempt made again, so the refusal checked is the
 * passkey's own.
 */
async function refusedPasskeySignIn() {
  for (let attempt = 0; attempt < 3; attempt++) {
    await passkeySignIn()
    const alert = page.getByRole('alert').filter({ hasText: /That passkey was not accepted|Too many sign-in attempts/ })
    await alert.waitFor()
    if (/That passkey was not accepted/.test(await alert.innerText())) return
    await page.waitForTimeout(6500)
  }
  throw new Error('the login limit never let the passkey attempt through')
}

/** The audit log's events of type, newest first, asked of the running server through the CLI. */
function auditEvents(type) {
  const q = spawnSync(BIN, ['audit', 'query', '--data', server.dataDir, '--type', type, '--json'], { encoding: 'utf8', timeout: 30_000 })
  assert.equal(q.status, 0, `latchkey audit query failed: ${q.stderr}`)
  return JSON.parse(q.stdout).events ?? []
}

/**
 * Makes the server's next passwordless options name claimed as RP ID
 * instead of its own, as a meddling proxy would; resolves once it did.
 * Playwright fetches the real answer from Node, whose resolver knows no
 * auth.app.localhost, so it asks 127.0.0.1 (the request keeps the
 * browser's headers and cookies).
 */
function claimRpId(claimed) {
  return new Promise((done, fail) => {
    page.route('**/login/passkey/options', async (route) => {
      try {
        const url = new URL(route.request().url())
        url.hostname = '127.0.0.1'
        const res = await route.fetch({ url: url.href })
        const body = await res.json()
        assert.equal(body.options.rpId, rpId, "the server's own RP ID")
        body.options.rpId = claimed
        await route.fulfill({ response: res, json: body })
        done()
      } catch (err) {
        fail(err)
      }
    }, { times: 1 }).catch(fail)
  })
}

test('passkeys end to end', async () => {
  let first = await addAuthenticator()

  // Register on the account page.
  await signInWithPassword()
  await page.waitForURL(`${server.base}/account`)
  await page.getByLabel('Name of the new passkey').fill('Laptop')
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  await page.getByRole('status').filter({ hasText: 'The passkey was added.' }).waitFor()
  await page.getByRole('list', { name: 'Your passkeys' }).getByText('Laptop').waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'browser-account.png'), fullPage: true })
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: first })
  assert.equal(credentials.length, 1)
  assert.equal(credentials[0].rpId, rpId)
  assert.ok(credentials[0].isResidentCredential, 'a discoverable credential')
  const early = credentials[0] // its counter before the sign-ins below
  await signOut()

  // Password, then the passkey as second factor.
  await signInWithPassword()
  await page.waitForURL(/\/login\/mfa\?/)
  await page.getByRole('button', { name: 'Use your passkey' }).click()
  await page.waitForURL(`${server.base}/account`)
  await sessions().getByText('password and second factor').first().waitFor()
  await signOut()

  // The passkey alone.
  await passkeySignIn()
  await page.waitForURL(`${server.base}/account`)
  await sessions().getByText('passkey', { exact: false }).first().waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'browser-account-passkey.png'), fullPage: true })
  await signOut()

  // Another authenticator holding a credential for alice's user handle,
  // never registered: the server refuses its assertion.
  const saved = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: first })).credentials[0]
  assert.ok(saved.signCount > early.signCount, 'the counter advanced')
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first })
  const second = await addAuthenticator()
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const forged = {
    credentialId: Buffer.from('not-registered-credential').toString('base64'),
    isResidentCredential: true, rpId, userHandle: saved.userHandle, signCount: 100,
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  }
  await cdp.send('WebAuthn.addCredential', { authenticatorId: second, credential: forged })
  await passkeySignIn()
  await page.getByRole('alert').filter({ hasText: 'That passkey was not accepted.' }).waitFor()
  assert.match(page.url(), /\/login\?/, 'still on the login page')

  // An assertion for another relying party by alice's real key (its
  // credential ID, private key and user handle; a counter well ahead):
  // the page asks for app.localhost, which Chromium allows here, so the
  // browser signs with that RP ID's hash, the right origin and the right
  // challenge. Only the server's RP ID check (WebAuthn §7.2 step 15) can
  // refuse it, as it must refuse an assertion a sibling site obtained.
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId: second })
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId: second, credential: { ...saved, rpId: parentRpId, signCount: saved.signCount + 100 },
  })
  const failedBefore = auditEvents('passkey.failed').length
  const claimed = claimRpId(parentRpId)
  const isAnswer = (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login/passkey'
  const answered = page.waitForResponse(isAnswer)
  await passkeySignIn()
  await claimed
  const answer = await answered
  const sent = JSON.parse(new URLSearchParams(answer.request().postData()).get('credential'))
  const authData = Buffer.from(sent.response.authenticatorData, 'base64url')
  assert.deepEqual(authData.subarray(0, 32), createHash('sha256').update(parentRpId).digest(),
    'Chromium signed an assertion for app.localhost (the browser did not refuse it)')
  assert.ok(Buffer.from(sent.rawId, 'base64url').equals(Buffer.from(saved.credentialId, 'base64')), "alice's registered credential")
  assert.equal(answer.status(), 400, 'the server refused it')
  await page.getByRole('alert').filter({ hasText: 'That passkey was not accepted.' }).waitFor()
  assert.match(page.url(), /\/login\?/, 'still on the login page')
  const failed = auditEvents('passkey.failed')
  assert.equal(failed.length, failedBefore + 1, 'one passkey.failed event more')
  assert.equal(failed[0].reason, 'verification_failed')
  assert.equal(failed[0].subject, Buffer.from(sent.response.userHandle, 'base64url').toString(), 'audited against alice')
  assert.match(server.log(), /RP Hash mismatch/, 'refused for its RP ID')
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: second })

  // A copy of the real key with an old counter (a clone): refused.
  first = await addAuthenticator()
  await cdp.send('WebAuthn.addCredential', { authenticatorId: first, credential: early })
  await signInWithPassword()
  await page.waitForURL(/\/login\/mfa\?/)
  await page.getByRole('button', { name: 'Use your passkey' }).click()
  await page.getByRole('alert').waitFor()
  assert.match(page.url(), /\/login\/mfa/, 'still on the second-factor page')
  await page.getByRole('button', { name: 'Cancel and sign out' }).click()
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first })

  // The real one again (its key and counter restored), then remove it.
  first = await addAuthenticator()
  await cdp.send('WebAuthn.addCredential', { authenticatorId: first, credential: saved })
  await signInWithPassword()
  await page.waitForURL(/\/login\/mfa\?/)
  await page.getByRole('button', { name: 'Use your passkey' }).click()
  await page.waitForURL(`${server.base}/account`)
  await page.getByRole('button', { name: 'Remove passkey Laptop' }).click()
  await page.getByRole('status').filter({ hasText: 'The passkey was removed.' }).waitFor()
  await page.getByText('No passkeys yet.').waitFor()
  await signOut()
  await refusedPasskeySignIn()

  assert.match(server.log(), /passkey refused/, 'the refusals are in the log')
  // The only console errors are the refused answers' 400s (and the 429s
  // refusedPasskeySignIn waited out).
  const pageErrors = server.log().split('\n').filter((l) => l.startsWith('[page error]'))
  assert.deepEqual(pageErrors.filter((l) => !/status of (400 \(Bad Request\)|429 \(Too Many Requests\))/.test(l)), [])
})
