// What the shell knows about how the console was started: in a browser
// with sign-in, how to sign out (set by main.ts); in the Wails window, nothing.

export const shell: { signOut?: () => void } = $state({})
