import { mount, unmount } from 'svelte'
import './app.css'
import App from './App.svelte'
import FirstRun from './components/FirstRun.svelte'
import SignedOut from './components/SignedOut.svelte'
import { api, basePath, session, wailsBindings } from './lib/api'
import { accessToken, beginLogin, completeLogin, loadConfig, returnHash, signOut } from './lib/auth'
import { shell } from './lib/shell.svelte'

const target = document.getElementById('app')!

/**
 * In the Wails window the console starts at once. In a browser it first
 * signs in with Latchkey's own OAuth (lib/auth.ts): it finishes a redirect
 * back from /authorize, offers the first-run screen while the server has no
 * administrator, or goes to sign in.
 */
async function start(): Promise<ReturnType<typeof mount>> {
  if (wailsBindings() !== undefined) return mount(App, { target })
  const cfg = await loadConfig(basePath(window.location.pathname))
  if (cfg.auth === 'oauth') {
    if (await completeLogin(cfg, window.location.search)) {
      history.replaceState(null, '', window.location.pathname + returnHash())
    }
    if (!accessToken()) {
      if (cfg.first_run) return mount(FirstRun, { target, props: { onDone: () => void beginLogin(cfg) } })
      await beginLogin(cfg)
      return mount(FirstRun, { target, props: { redirecting: true, onDone: () => {} } })
    }
    // A token the server refuses (expired, revoked) starts a new sign-in;
    // set only now, so the first-run screen's errors stay on that screen.
    session.onUnauthorized = () => {
      signOut()
      void beginLogin(cfg)
    }
    // "Sign out" ends the sign-in on the server (the token and its grant
    // are revoked), drops this tab's token and leaves the console.
    shell.signOut = async () => {
      session.onUnauthorized = () => {} // an expired token has nothing left to end: no new sign-in
      await api.signOut().catch(() => {})
      signOut()
      void app.then((view) => {
        if (view) unmount(view)
        target.textContent = ''
        mount(SignedOut, { target, props: { onSignIn: () => void beginLogin(cfg) } })
      })
    }
  }
  return mount(App, { target })
}

const app = start().catch((err: unknown) => {
  target.textContent = `The console could not start: ${err instanceof Error ? err.message : String(err)}`
  return undefined
})

export default app
