package postgres

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestNotificationTokenSealed: a ping client's client_notification_token
// is not in its column in plain text, and its ciphertext moved to
// another request does not open there.
func TestNotificationTokenSealed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{DSN: pgtest.Schema(t)})
	tok := "ntok-sealed-0123456789"
	exp := time.Now().Add(time.Hour)
	for _, h := range []string{"h1", "h2"} {
		if err := s.CreateBackchannelRequest(ctx, authcore.BackchannelRequest{Hash: h, ClientID: "c", UserID: "alice",
			NotificationToken: tok + h, Status: authcore.DevicePending, ExpiresAt: exp, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var sealed []byte
	if err := s.Pool().QueryRow(ctx, `SELECT notification_token FROM backchannel_requests WHERE hash = 'h1'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(tok)) {
		t.Fatalf("notification token stored in plain text (or not at all): %q", sealed)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE backchannel_requests SET notification_token = $1 WHERE hash = 'h2'`, sealed); err != nil {
		t.Fatal(err)
	}
	_, err := s.UpdateBackchannelRequest(ctx, "h2", func(r authcore.BackchannelRequest) (authcore.BackchannelRequest, error) { return r, nil })
	if !errors.Is(err, errWrongKey) {
		t.Errorf("a moved ciphertext: %v, want errWrongKey", err)
	}
}
