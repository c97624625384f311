import { shortKid } from './keys'
import { attempt } from './errors'
import { describe, expect, it } from 'vitest'
import { formatUptime } from './format'

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [6, '6s'],
    [66, '1m 06s'],
    [3600 + 5 * 60 + 6, '1h 05m 06s'],
    [3 * 86400 + 4 * 3600 + 5 * 60 + 6, '3d 4h 05m 06s'],
    [59.9, '59s'],
  ])('%d -> %s', (secs, want) => {
    expect(formatUptime(secs)).toBe(want)
  })
})

import { actorLabel } from './format'
describe('actorLabel', () => {
  it('names the signed-in administrator, or the local user of the window', () => {
    expect(actorLabel('admin:alice')).toEqual({ lead: 'Signed in as', name: 'alice' })
    expect(actorLabel('local:desktop')).toEqual({ lead: 'Acting as', name: 'this computer (desktop)' })
  })
})

describe('shortKid', () => {
  it('keeps short kids and cuts long ones with an ellipsis', () => {
    expect(shortKid('k1')).toBe('k1')
    expect(shortKid('0123456789abc')).toBe('0123456789abc')
    expect(shortKid('MvwKHkhB15CjVLwhW9Y5_1fzTo2k0qPVSn481GvrMg8')).toBe('MvwKHkhB15Cj…')
  })
})

describe('attempt', () => {
  it('hands the result over and says nothing went wrong, or says what did', async () => {
    let got: number[] = []
    expect(await attempt(async () => [1, 2], (v) => (got = v))).toBe('')
    expect(got).toEqual([1, 2])
    expect(await attempt(async () => { throw new Error('no route named x') }, (v: number[]) => (got = v))).toBe('no route named x')
    expect(got).toEqual([1, 2]) // kept on failure
  })
})
