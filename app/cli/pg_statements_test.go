package cli

import "testing"

// Issue 19: a client_credentials token on PostgreSQL runs (almost) no
// statement of its own, as on Badger: the client and the failure guard's
// counts come from the node's caches (renewed at most once a second), and
// the audit event goes with the audit writer's batch, outside the request.
// Before the caches each token ran two (client, counters). The traced
// statements (store.query spans, one per statement of a request) of 40
// tokens must stay under one per token.
func TestClientCredentialsStatementsOnPostgres(t *testing.T) {
	in, recv, stopServer := tracedOnPostgres(t)
	svc, secret := serviceClient(t, in)
	const tokens = 40
	for range tokens {
		if tok := clientCredentials(t, in.issuer, svc.ID, secret); tok == "" {
			t.Fatal("no token")
		}
	}
	must(t, stopServer()) // flushes the spans

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.names["POST /token"] != tokens {
		t.Fatalf("spans %v: want %d POST /token", recv.names, tokens)
	}
	if n := recv.names["store.query"]; n >= tokens {
		t.Fatalf("%d statements for %d client_credentials tokens: want fewer than one per token", n, tokens)
	}
}
