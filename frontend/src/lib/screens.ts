// Every screen of the console, in sidebar order. A later issue that builds a
// screen replaces its component here; the sidebar and router follow.
import type { Component } from 'svelte'
import type { IconName } from '../components/Icon.svelte'
import type { ScreenId } from './router.svelte'
import Dashboard from '../views/Dashboard.svelte'
import Clients from '../views/Clients.svelte'
import Users from '../views/Users.svelte'
import IdentityProviders from '../views/IdentityProviders.svelte'
import Keys from '../views/Keys.svelte'
import Tokens from '../views/Tokens.svelte'
import FlowTester from '../views/FlowTester.svelte'
import Gateway from '../views/Gateway.svelte'
import AuditLog from '../views/AuditLog.svelte'
import Settings from '../views/Settings.svelte'

export interface Screen {
  id: ScreenId
  /** The sidebar label, also the screen's h1. */
  label: string
  icon: IconName
  /** The sidebar group it sits in. */
  group: string
  component: Component
}

export const screens: Screen[] = [
  { id: 'dashboard', label: 'Dashboard', icon: 'dashboard', group: 'Overview', component: Dashboard },
  { id: 'clients', label: 'Clients', icon: 'clients', group: 'Identity', component: Clients },
  { id: 'users', label: 'Users', icon: 'users', group: 'Identity', component: Users },
  { id: 'identity-providers', label: 'Identity providers', icon: 'federation', group: 'Identity', component: IdentityProviders },
  { id: 'keys', label: 'Keys', icon: 'keys', group: 'Tokens & keys', component: Keys },
  { id: 'tokens', label: 'Tokens', icon: 'tokens', group: 'Tokens & keys', component: Tokens },
  { id: 'flow-tester', label: 'Flow tester', icon: 'flow', group: 'Tools', component: FlowTester },
  { id: 'gateway', label: 'Gateway', icon: 'gateway', group: 'Tools', component: Gateway },
  { id: 'audit', label: 'Audit log', icon: 'audit', group: 'Monitoring', component: AuditLog },
  { id: 'settings', label: 'Settings', icon: 'settings', group: 'Monitoring', component: Settings },
]

/** The screens grouped for the sidebar, groups in first-seen order. */
export function grouped(list: Screen[] = screens): { group: string; items: Screen[] }[] {
  const out: { group: string; items: Screen[] }[] = []
  for (const s of list) {
    const g = out.find((x) => x.group === s.group)
    if (g) g.items.push(s)
    else out.push({ group: s.group, items: [s] })
  }
  return out
}
