package server

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
)

// publishingStore is the store the endpoints use: every revocation, once
// durably committed, is published to the revocation feed so standalone
// gateways learn of it within a second.
type publishingStore struct {
	authcore.Storage
	feed *gateway.Broadcaster
	now  func() time.Time
}

// RevokeAccessToken revokes, then publishes.
func (p publishingStore) RevokeAccessToken(ctx context.Context, r authcore.Revocation) error {
	if err := p.Storage.RevokeAccessToken(ctx, r); err != nil {
		return err
	}
	p.feed.Publish(r)
	return nil
}

// RevokeGrant revokes the grant, then publishes each of its access tokens
// that has not expired yet.
func (p publishingStore) RevokeGrant(ctx context.Context, id, reason string, now time.Time) error {
	g, getErr := p.Storage.GetGrant(ctx, id)
	if err := p.Storage.RevokeGrant(ctx, id, reason, now); err != nil {
		return err
	}
	if getErr != nil {
		return nil // the grant was created concurrently; its tokens are in the store's snapshot
	}
	for _, t := range g.AccessJTIs {
		if t.ExpiresAt.After(now) {
			p.feed.Publish(authcore.Revocation{JTI: t.JTI, ExpiresAt: t.ExpiresAt, RevokedAt: now})
		}
	}
	return nil
}

// Writable passes the wrapped store's answer on (authcore.WriteChecker),
// so the endpoints see a store that refuses writes.
func (p publishingStore) Writable() error {
	if wc, ok := p.Storage.(authcore.WriteChecker); ok {
		return wc.Writable()
	}
	return nil
}

// revocationLog is the store's log of recent revocations, when it keeps
// one (authcore.RevocationLog: PostgreSQL), else nil: the feed then
// sends every reconnecting gateway the full snapshot.
func revocationLog(st authcore.Storage) authcore.RevocationLog {
	if l, ok := st.(authcore.RevocationLog); ok {
		return l
	}
	return nil
}
