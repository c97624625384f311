// Passkeys in real Chromium with the DevTools virtual authenticator
// (CDP WebAuthn domain): register one on the account page, sign in with
// password + passkey and with the passkey alone, refuse another
// authenticator's credential for the same user and a credential of
// another relying party, remove it. The issuer is http://localhost:<port>
// (browsers refuse an IP address as relying-party ID).
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ARTIFACTS, checkPrerequisites, launchChromium, startLatchkey } from './harness.mjs'

const alice = { username: 'alice', password: 'correct horse battery staple' }
const authenticatorOptions = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
  isUserVerified: true, automaticPresenceSimulation: true,
}
let dir, server, context, page, cdp

before(async () => {
  checkPrerequisites()
  dir = mkdtempSync(join(tmpdir(), 'latchkey-passkeys-'))
  server = await startLatchkey({ dataDir: join(dir, 'data'), admin: alice, host: 'localhost' })
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
  assert.equal(credentials[0].rpId, 'localhost')
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
    isResidentCredential: true, rpId: 'localhost', userHandle: saved.userHandle, signCount: 100,
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  }
  await cdp.send('WebAuthn.addCredential', { authenticatorId: second, credential: forged })
  await passkeySignIn()
  await page.getByRole('alert').filter({ hasText: 'That passkey was not accepted.' }).waitFor()
  assert.match(page.url(), /\/login\?/, 'still on the login page')

  // A credential of another relying party is never used here: the
  // browser does not offer it and nobody signs in.
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId: second })
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId: second,
    credential: { ...forged, rpId: 'evil.example', credentialId: saved.credentialId, privateKey: saved.privateKey },
  })
  await passkeySignIn()
  await page.getByRole('alert').filter({ hasText: /not used|not accepted/ }).waitFor()
  assert.match(page.url(), /\/login\?/, 'still on the login page')
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
  await passkeySignIn()
  await page.getByRole('alert').filter({ hasText: 'That passkey was not accepted.' }).waitFor()

  assert.match(server.log(), /passkey refused/, 'the refusals are in the log')
  // The only console errors are the refused answers' 400s.
  const pageErrors = server.log().split('\n').filter((l) => l.startsWith('[page error]'))
  assert.deepEqual(pageErrors.filter((l) => !/status of 400 \(Bad Request\)/.test(l)), [])
})
