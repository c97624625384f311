import { describe, expect, it, vi } from 'vitest'
import { ApiError, createApi, type Settings } from './api'
import { changedValues, checkSettingsForm, defaultsForm, describeChanges, durationWords, formFromSettings, isChangedElsewhere, parseDuration, perSecond, sourceText } from './settings'

function settings(): Settings {
  return {
    policy: [
      { key: 'access_token_ttl', label: 'Access-token lifetime', kind: 'duration', value: '10m', default: '10m', source: 'built-in', min: '1m', max: '1d' },
      { key: 'refresh_token_ttl', label: 'Refresh-token lifetime', kind: 'duration', value: '30d', default: '30d', source: 'built-in', min: '1m', max: '365d' },
      { key: 'token_rate_per_client', label: 'Token endpoint ceiling per client', kind: 'rate', value: '1/m', default: '2000/s', source: 'saved', flag: '--token-rate-per-client' },
      { key: 'auth_failure_rate', label: 'Failed client authentications after that', kind: 'rate', value: '1/s', default: '1/s', source: 'built-in', max: '10/s' },
      { key: 'lockout_threshold', label: 'Failed logins before an account locks', kind: 'count', value: '5', default: '5', source: 'built-in', min: '1', max: '100' },
      { key: 'audit_retention', label: 'Audit retention', kind: 'duration', value: '90d', default: 'forever', source: 'flag', flag: '--audit-retention', min: '1d', max: '3650d' },
    ],
    revision: 3,
    instance: { issuer: 'http://127.0.0.1:8421', addresses: [], data_dir: '/d', mode: 'serve', signing_algorithms: ['ES256'], tls: { enabled: false, mode: 'off', ca_available: false } },
  }
}

describe('settings form', () => {
  it('reads a rate per second', () => {
    expect(perSecond('10/s')).toBe(10)
    expect(perSecond('600/m')).toBe(10)
    expect(perSecond('36/h')).toBe(0.01)
    expect(perSecond('lots')).toBeNaN()
  })

  it('parses and words durations', () => {
    expect(parseDuration('90s')).toBe(90)
    expect(parseDuration('1h30m')).toBe(5400)
    expect(parseDuration(' 30d ')).toBe(30 * 86400)
    for (const bad of ['', '10', 'm', '1.5h', '-5m', 'ten minutes']) expect(parseDuration(bad)).toBeUndefined()
    expect(durationWords('1h30m')).toBe('1 hour 30 minutes')
    expect(durationWords('1d')).toBe('1 day')
    expect(durationWords('forever')).toBe('forever')
  })

  it('sends only what changed, and Reset fills the defaults', () => {
    const s = settings()
    const form = formFromSettings(s)
    expect(changedValues(form, s)).toEqual({})
    form.access_token_ttl = ' 5m '
    expect(changedValues(form, s)).toEqual({ access_token_ttl: '5m' })
    const reset = defaultsForm(s)
    expect(changedValues(reset, s)).toEqual({ token_rate_per_client: '2000/s', audit_retention: 'forever' })
    expect(checkSettingsForm(reset, s)).toEqual({}) // a default is never refused, even "forever"
  })

  it('explains problems at the field, in the server\'s words', () => {
    const s = settings()
    const form = { ...formFromSettings(s), access_token_ttl: '30s', token_rate_per_client: 'fast', auth_failure_rate: 'off', lockout_threshold: '0', audit_retention: '12h' }
    expect(checkSettingsForm(form, s)).toEqual({
      access_token_ttl: 'must be from 1m to 1d',
      token_rate_per_client: 'write a count per second, minute or hour, like "100/s", "600/m" or "10/h", or "off"',
      auth_failure_rate: 'write a count per second, minute or hour, like "1/s" or "30/m"',
      lockout_threshold: 'must be from 1 to 100',
      audit_retention: 'must be from 1d to 3650d',
    })
    expect(checkSettingsForm({ ...formFromSettings(s), lockout_threshold: '3.5' }, s)).toEqual({ lockout_threshold: 'must be a whole number' })
    expect(checkSettingsForm({ ...formFromSettings(s), auth_failure_rate: '1000/m' }, s)).toEqual({ auth_failure_rate: 'must be at most 10/s' })
    expect(checkSettingsForm({ ...formFromSettings(s), auth_failure_rate: '600/m' }, s)).toEqual({})
    expect(checkSettingsForm({ ...formFromSettings(s), access_token_ttl: '2h', refresh_token_ttl: '1h' }, s)).toEqual({
      refresh_token_ttl: 'must be at least the access-token lifetime (2h)',
    })
    expect(checkSettingsForm({ ...formFromSettings(s), token_rate_per_client: 'off', access_token_ttl: '1d' }, s)).toEqual({})
  })

  it('says where a value comes from and what a save changed', () => {
    const [access, , perClient, , , retention] = settings().policy
    expect(sourceText(access)).toBe('built-in default')
    expect(sourceText(perClient)).toBe('saved in Settings (default 2000/s)')
    expect(sourceText(retention)).toBe('default, from --audit-retention')
    expect(describeChanges([{ key: 'access_token_ttl', label: 'Access-token lifetime', from: '10m', to: '5m' }])).toBe(
      'Saved and in force now: Access-token lifetime 10m → 5m.',
    )
    expect(describeChanges([])).toBe('Nothing changed.')
  })
})

describe('settings api', () => {
  it('calls the Go methods with a SettingsInput and fills null lists', async () => {
    const call = vi.fn(async (m: string) => (m === 'CheckSettings' ? null : m === 'TLSCA' ? '-----BEGIN CERTIFICATE-----' : { policy: null, instance: { tls: {} } }))
    const api = createApi(call)
    const s = await api.settings()
    expect(s.policy).toEqual([])
    expect(s.instance.addresses).toEqual([])
    expect(await api.checkSettings({ access_token_ttl: '5m' })).toEqual({})
    expect(call).toHaveBeenCalledWith('CheckSettings', [{ values: { access_token_ttl: '5m' } }])
    await api.updateSettings({ lockout_threshold: '3' })
    expect(call).toHaveBeenCalledWith('UpdateSettings', [{ values: { lockout_threshold: '3' } }])
    await api.updateSettings({ lockout_threshold: '4' }, 7)
    expect(call).toHaveBeenCalledWith('UpdateSettings', [{ values: { lockout_threshold: '4' }, revision: 7 }])
    expect(await api.tlsCA()).toContain('BEGIN CERTIFICATE')
  })
})

describe('a save refused because the settings changed elsewhere', () => {
  it('is told by the 409 in a browser and by the words in the window', () => {
    expect(isChangedElsewhere(new ApiError('UpdateSettings', 'whatever the proxy says', 409))).toBe(true)
    expect(isChangedElsewhere(new ApiError('UpdateSettings', 'the settings were changed elsewhere (…)', 400))).toBe(false)
    expect(isChangedElsewhere(new ApiError('UpdateSettings', 'the settings were changed elsewhere (on another node…'))).toBe(true)
    expect(isChangedElsewhere(new Error('the settings were changed elsewhere (on another node…'))).toBe(true)
    expect(isChangedElsewhere(new ApiError('UpdateSettings', 'access_token_ttl: too long', 400))).toBe(false)
    expect(isChangedElsewhere('a string')).toBe(false)
  })
})
