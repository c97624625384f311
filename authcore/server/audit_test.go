package server_test

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// A state change's audit event is committed before the call that made the
// change returns: no flush, no wait.
func TestStateChangeEventsAreDurableOnReturn(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alog, err := audit.Open(audit.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer alog.Close()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Issuer: "http://127.0.0.1:1", Store: st, Audit: alog, Logger: zerolog.Nop(),
		KeyAlgorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		c, _, err := srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "svc", Type: authcore.Confidential,
			GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
		if err != nil {
			t.Fatal(err)
		}
		page, err := alog.Query(ctx, audit.Filter{Types: []audit.Type{audit.ClientCreated}, ClientID: c.ID})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("client.created for %s not durable on return: %v %v", c.ID, page.Entries, err)
		}
	}
}
