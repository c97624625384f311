package oauth

import (
	"context"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// memStore is a small in-memory authcore.Storage for these tests, until
// the Badger store lands. One mutex makes every operation atomic.
type memStore struct {
	mu       sync.Mutex
	clients  map[string]authcore.Client
	users    map[string]authcore.User
	consents map[string]authcore.Consent
	sessions map[string]authcore.Session
	scopes   map[string]authcore.Scope
	codes    map[string]authcore.AuthCode
	grants   map[string]authcore.Grant
	rts      map[string]authcore.RefreshToken
	revoked  map[string]authcore.Revocation
	keys     map[string]authcore.SigningKey
	settings map[string][]byte
}

func newMemStore() *memStore {
	return &memStore{
		clients: map[string]authcore.Client{}, users: map[string]authcore.User{},
		consents: map[string]authcore.Consent{}, sessions: map[string]authcore.Session{},
		scopes: map[string]authcore.Scope{}, codes: map[string]authcore.AuthCode{},
		grants: map[string]authcore.Grant{}, rts: map[string]authcore.RefreshToken{},
		revoked: map[string]authcore.Revocation{}, keys: map[string]authcore.SigningKey{},
		settings: map[string][]byte{},
	}
}

var _ authcore.Storage = (*memStore)(nil)

func put[T any](m map[string]T, k string, v T) error {
	if _, ok := m[k]; ok {
		return authcore.ErrAlreadyExists
	}
	m[k] = v
	return nil
}

func get[T any](m map[string]T, k string) (T, error) {
	v, ok := m[k]
	if !ok {
		return v, authcore.ErrNotFound
	}
	return v, nil
}

func del[T any](m map[string]T, k string) error {
	if _, ok := m[k]; !ok {
		return authcore.ErrNotFound
	}
	delete(m, k)
	return nil
}

func list[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (m *memStore) lock() func() { m.mu.Lock(); return m.mu.Unlock }

func (m *memStore) CreateClient(_ context.Context, c authcore.Client) error {
	defer m.lock()()
	return put(m.clients, c.ID, c)
}
func (m *memStore) GetClient(_ context.Context, id string) (authcore.Client, error) {
	defer m.lock()()
	return get(m.clients, id)
}
func (m *memStore) ListClients(context.Context) ([]authcore.Client, error) {
	defer m.lock()()
	return list(m.clients), nil
}
func (m *memStore) UpdateClient(_ context.Context, id string, fn func(authcore.Client) (authcore.Client, error)) error {
	defer m.lock()()
	c, err := get(m.clients, id)
	if err != nil {
		return err
	}
	if c, err = fn(c); err != nil {
		return err
	}
	m.clients[id] = c
	return nil
}
func (m *memStore) DeleteClient(_ context.Context, id string) error {
	defer m.lock()()
	return del(m.clients, id)
}

func (m *memStore) CreateUser(_ context.Context, u authcore.User) error {
	defer m.lock()()
	return put(m.users, u.ID, u)
}
func (m *memStore) GetUser(_ context.Context, id string) (authcore.User, error) {
	defer m.lock()()
	return get(m.users, id)
}
func (m *memStore) GetUserByUsername(_ context.Context, name string) (authcore.User, error) {
	defer m.lock()()
	for _, u := range m.users {
		if u.Username == name {
			return u, nil
		}
	}
	return authcore.User{}, authcore.ErrNotFound
}
func (m *memStore) ListUsers(context.Context) ([]authcore.User, error) {
	defer m.lock()()
	return list(m.users), nil
}
func (m *memStore) UpdateUser(_ context.Context, id string, fn func(authcore.User) (authcore.User, error)) error {
	defer m.lock()()
	u, err := get(m.users, id)
	if err != nil {
		return err
	}
	if u, err = fn(u); err != nil {
		return err
	}
	m.users[id] = u
	return nil
}
func (m *memStore) DeleteUser(_ context.Context, id string) error {
	defer m.lock()()
	return del(m.users, id)
}
func (m *memStore) GetConsent(_ context.Context, userID, clientID string) (authcore.Consent, error) {
	defer m.lock()()
	return get(m.consents, userID+"|"+clientID)
}
func (m *memStore) SaveConsent(_ context.Context, c authcore.Consent) error {
	defer m.lock()()
	m.consents[c.UserID+"|"+c.ClientID] = c
	return nil
}
func (m *memStore) DeleteConsent(_ context.Context, userID, clientID string) error {
	defer m.lock()()
	return del(m.consents, userID+"|"+clientID)
}
func (m *memStore) ListConsents(_ context.Context, userID string) ([]authcore.Consent, error) {
	defer m.lock()()
	var out []authcore.Consent
	for _, c := range m.consents {
		if c.UserID == userID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memStore) CreateSession(_ context.Context, s authcore.Session) error {
	defer m.lock()()
	return put(m.sessions, s.ID, s)
}
func (m *memStore) GetSession(_ context.Context, id string) (authcore.Session, error) {
	defer m.lock()()
	return get(m.sessions, id)
}
func (m *memStore) ListSessions(context.Context, string) ([]authcore.Session, error) {
	defer m.lock()()
	return list(m.sessions), nil
}
func (m *memStore) DeleteSession(_ context.Context, id string) error {
	defer m.lock()()
	return del(m.sessions, id)
}

func (m *memStore) CreateScope(_ context.Context, s authcore.Scope) error {
	defer m.lock()()
	return put(m.scopes, s.Name, s)
}
func (m *memStore) GetScope(_ context.Context, name string) (authcore.Scope, error) {
	defer m.lock()()
	return get(m.scopes, name)
}
func (m *memStore) ListScopes(context.Context) ([]authcore.Scope, error) {
	defer m.lock()()
	return list(m.scopes), nil
}
func (m *memStore) DeleteScope(_ context.Context, name string) error {
	defer m.lock()()
	return del(m.scopes, name)
}

func (m *memStore) CreateAuthCode(_ context.Context, c authcore.AuthCode) error {
	defer m.lock()()
	return put(m.codes, c.Hash, c)
}
func (m *memStore) ConsumeAuthCode(_ context.Context, hash, grantID string, now time.Time) (authcore.AuthCode, error) {
	defer m.lock()()
	c, ok := m.codes[hash]
	if !ok || !now.Before(c.ExpiresAt) {
		return authcore.AuthCode{}, authcore.ErrNotFound
	}
	if c.Consumed {
		return c, authcore.ErrConsumed
	}
	c.Consumed, c.GrantID = true, grantID
	m.codes[hash] = c
	return c, nil
}

func (m *memStore) CreateGrant(_ context.Context, g authcore.Grant, rt *authcore.RefreshToken) error {
	defer m.lock()()
	if err := put(m.grants, g.ID, g); err != nil {
		return err
	}
	if rt != nil {
		m.rts[rt.Hash] = *rt
	}
	return nil
}
func (m *memStore) GetGrant(_ context.Context, id string) (authcore.Grant, error) {
	defer m.lock()()
	return get(m.grants, id)
}
func (m *memStore) ListGrants(context.Context) ([]authcore.Grant, error) {
	defer m.lock()()
	return list(m.grants), nil
}
func (m *memStore) AddAccessToken(_ context.Context, id string, t authcore.IssuedToken) error {
	defer m.lock()()
	g, err := get(m.grants, id)
	if err != nil {
		return err
	}
	g.AccessJTIs = append(g.AccessJTIs, t)
	m.grants[id] = g
	return nil
}
func (m *memStore) GetRefreshToken(_ context.Context, hash string) (authcore.RefreshToken, error) {
	defer m.lock()()
	return get(m.rts, hash)
}
func (m *memStore) RotateRefreshToken(_ context.Context, oldHash string, next authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, error) {
	defer m.lock()()
	old, ok := m.rts[oldHash]
	if !ok {
		return authcore.RefreshToken{}, authcore.ErrNotFound
	}
	g, ok := m.grants[old.GrantID]
	if !ok || g.Revoked {
		return authcore.RefreshToken{}, authcore.ErrNotFound
	}
	if old.Rotated {
		return old, authcore.ErrConsumed
	}
	old.Rotated, old.RotatedAt, old.NextHash = true, now, next.Hash
	m.rts[oldHash] = old
	m.rts[next.Hash] = next
	g.AccessJTIs = append(g.AccessJTIs, at)
	m.grants[g.ID] = g
	return old, nil
}
func (m *memStore) RevokeGrant(_ context.Context, id, reason string, now time.Time) error {
	defer m.lock()()
	g, ok := m.grants[id]
	if !ok {
		return authcore.ErrNotFound
	}
	g.Revoked, g.RevokedAt, g.RevokedReason = true, now, reason
	m.grants[id] = g
	for h, rt := range m.rts {
		if rt.GrantID == id {
			delete(m.rts, h)
		}
	}
	for _, t := range g.AccessJTIs {
		m.revoked[t.JTI] = authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now}
	}
	return nil
}
func (m *memStore) RevokeAccessToken(_ context.Context, r authcore.Revocation) error {
	defer m.lock()()
	m.revoked[r.JTI] = r
	return nil
}
func (m *memStore) IsRevoked(_ context.Context, jti string) (bool, error) {
	defer m.lock()()
	_, ok := m.revoked[jti]
	return ok, nil
}

func (m *memStore) ListSigningKeys(context.Context) ([]authcore.SigningKey, error) {
	defer m.lock()()
	return list(m.keys), nil
}
func (m *memStore) PutSigningKeys(_ context.Context, keys ...authcore.SigningKey) error {
	defer m.lock()()
	for _, k := range keys {
		m.keys[k.ID] = k
	}
	return nil
}
func (m *memStore) DeleteSigningKey(_ context.Context, id string) error {
	defer m.lock()()
	return del(m.keys, id)
}
func (m *memStore) GetSetting(_ context.Context, name string) ([]byte, error) {
	defer m.lock()()
	return get(m.settings, name)
}
func (m *memStore) PutSetting(_ context.Context, name string, v []byte) error {
	defer m.lock()()
	m.settings[name] = v
	return nil
}
func (m *memStore) GarbageCollect(context.Context, time.Time) (int, error) { return 0, nil }
func (m *memStore) Close() error                                           { return nil }
