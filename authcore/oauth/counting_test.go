package oauth

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// countingStore counts the writes that token issuance could make.
type countingStore struct {
	authcore.Storage
	writes atomic.Int64
}

func (c *countingStore) CreateAuthCode(ctx context.Context, a authcore.AuthCode) error {
	c.writes.Add(1)
	return c.Storage.CreateAuthCode(ctx, a)
}

func (c *countingStore) ConsumeAuthCode(ctx context.Context, h, g string, now time.Time) (authcore.AuthCode, error) {
	c.writes.Add(1)
	return c.Storage.ConsumeAuthCode(ctx, h, g, now)
}

func (c *countingStore) CreateGrant(ctx context.Context, g authcore.Grant, rt *authcore.RefreshToken) error {
	c.writes.Add(1)
	return c.Storage.CreateGrant(ctx, g, rt)
}

func (c *countingStore) AddAccessToken(ctx context.Context, id string, t authcore.IssuedToken) error {
	c.writes.Add(1)
	return c.Storage.AddAccessToken(ctx, id, t)
}

func (c *countingStore) RotateRefreshToken(ctx context.Context, h string, n authcore.RefreshToken, at authcore.IssuedToken, now time.Time) (authcore.RefreshToken, error) {
	c.writes.Add(1)
	return c.Storage.RotateRefreshToken(ctx, h, n, at, now)
}

func (c *countingStore) UpdateClient(ctx context.Context, id string, fn func(authcore.Client) (authcore.Client, error)) error {
	c.writes.Add(1)
	return c.Storage.UpdateClient(ctx, id, fn)
}

func (c *countingStore) PutSetting(ctx context.Context, name string, v []byte) error {
	c.writes.Add(1)
	return c.Storage.PutSetting(ctx, name, v)
}

func (c *countingStore) RevokeAccessToken(ctx context.Context, r authcore.Revocation) error {
	c.writes.Add(1)
	return c.Storage.RevokeAccessToken(ctx, r)
}

func (c *countingStore) RedeemAuthCode(ctx context.Context, h string, g authcore.Grant, rt *authcore.RefreshToken, now time.Time) (authcore.AuthCode, error) {
	c.writes.Add(1)
	return c.Storage.RedeemAuthCode(ctx, h, g, rt, now)
}
