package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// MaxAccessTokenLifetime bounds the lifetime of everything the key
// manager signs (keys.Config.MaxTokenLifetime): a revocation recorded
// without the token's exp is kept until the event's time plus this.
const MaxAccessTokenLifetime = 24 * time.Hour

// RevocationEvents are the audit event types that record a revocation the
// store must keep: token.revoked (an access token by jti, or a grant and
// its family by grant_id, from /revoke or the console) and
// refresh.reuse_detected (the family revoked on reuse).
var RevocationEvents = []audit.Type{audit.TokenRevoked, audit.RefreshReuse}

// Restored counts what RestoreRevocations applied again.
type Restored struct {
	AccessTokens int // jti revocations missing from the store
	Grants       int // grants found unrevoked
}

// Total is AccessTokens plus Grants.
func (r Restored) Total() int { return r.AccessTokens + r.Grants }

// RestoreRevocations applies again every revocation recorded in events
// that the store lacks: the audit log is the second copy of revocations,
// which must survive a damaged store log (issue 17). An access token that
// has expired needs nothing; a grant the store no longer holds (expired,
// or lost with its refresh tokens) cannot be used and is skipped.
func RestoreRevocations(ctx context.Context, st authcore.Storage, events []audit.Event, now time.Time) (Restored, error) {
	var r Restored
	for _, e := range events {
		if jti, _ := e.Details["jti"].(string); jti != "" {
			exp := e.Time.Add(MaxAccessTokenLifetime)
			if v, ok := e.Details["exp"].(float64); ok && v > 0 {
				exp = time.Unix(int64(v), 0)
			}
			if !exp.After(now) {
				continue
			}
			revoked, err := st.IsRevoked(ctx, jti)
			if err != nil {
				return r, err
			}
			if !revoked {
				if err := st.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: exp, RevokedAt: e.Time}); err != nil {
					return r, err
				}
				r.AccessTokens++
			}
		}
		if id, _ := e.Details["grant_id"].(string); id != "" {
			g, err := st.GetGrant(ctx, id)
			switch {
			case errors.Is(err, authcore.ErrNotFound):
				continue
			case err != nil:
				return r, err
			case g.Revoked:
				continue
			}
			reason := fmt.Sprintf("%s (restored from the audit log)", restoredReason(e))
			if err := st.RevokeGrant(ctx, id, reason, now); err != nil && !errors.Is(err, authcore.ErrNotFound) {
				return r, err
			}
			r.Grants++
		}
	}
	return r, nil
}

// restoredReason is the reason the original event gave.
func restoredReason(e audit.Event) string {
	if v, _ := e.Details["reason"].(string); v != "" {
		return v
	}
	if e.Reason != "" {
		return e.Reason
	}
	return "revoked"
}
