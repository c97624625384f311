package cli

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// On PostgreSQL every statement a traced request runs is a store.query
// span naming its operation, never its text or arguments.
func TestTracesOnPostgres(t *testing.T) {
	in, recv, stopServer := tracedOnPostgres(t)
	svc, secret := serviceClient(t, in)
	tok := clientCredentials(t, in.issuer, svc.ID, secret)
	must(t, stopServer()) // flushes the batch

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.names["store.query"] == 0 || recv.names["POST /token"] == 0 {
		t.Fatalf("spans %v: want POST /token with store.query children", recv.names)
	}
	all := strings.Join(recv.attrs, "\n")
	if !strings.Contains(all, "db.operation=") || !strings.Contains(all, "SELECT") {
		t.Errorf("no db.operation of a SELECT among %s", all)
	}
	for name, s := range map[string]string{"client secret": secret, "access token": tok, "client id in SQL args": "$1"} {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("a span attribute holds the %s", name)
		}
	}
}

// tracedOnPostgres starts serve on a fresh PostgreSQL schema, sending
// its spans to an in-process OTLP receiver; stop (safe to call again, and
// called at the end of the test) flushes them.
func tracedOnPostgres(t *testing.T) (*instance, *otlpReceiver, func() error) {
	t.Helper()
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("cd", 32))
	recv := &otlpReceiver{names: map[string]int{}}
	collectorSrv := httptest.NewServer(recv)
	t.Cleanup(collectorSrv.Close)
	f := serveFlags{addr: "127.0.0.1:0", migrate: true, otelEndpoint: collectorSrv.URL}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: pgtest.Schema(t)}}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceValue(in.stop)
	t.Cleanup(func() { _ = stop() })
	return in, recv, stop
}
