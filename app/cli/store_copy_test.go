package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/store/badger"
	"github.com/latchkey/latchkey/authcore/store/postgres"
	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestStoreCopyRoundTrip fills a data directory through the real server
// (user, client, sign-in, consent, code, refresh rotation, a revoked
// grant, keys in two states) and the store (IdP and link, PAR, device
// code, single-use record, settings), copies it with `latchkey store
// copy`, and compares both stores record by record, after a second copy
// into the now non-empty database was refused (so it wrote nothing).
func TestStoreCopyRoundTrip(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("12", 32))
	f := serveFlags{addr: "127.0.0.1:0"}
	f.common = common{data: data, logFormat: "json", logLevel: "error"}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	populate(t, in)
	in.stop()

	dsn := pgtest.Schema(t)
	code, out, errOut := runCLI(t, "", "store", "copy", "--from", data, "--to", dsn)
	if code != 0 {
		t.Fatalf("store copy: %d %s", code, errOut)
	}
	// Every kind was populated, so every count is positive; the
	// comparison below checks the records themselves.
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		kind, n, _ := strings.Cut(line, "\t")
		if n == "0" || n == "" {
			t.Errorf("store copy copied no %s:\n%s", kind, out)
		}
	}
	if strings.Count(out, "\n") != 18 {
		t.Errorf("store copy printed %d kinds, want 18 (16, second factors and the audit events):\n%s", strings.Count(out, "\n"), out)
	}

	code, _, errOut = runCLI(t, "", "store", "copy", "--from", data, "--to", dsn)
	if code == 0 || !strings.Contains(errOut, "already holds records") {
		t.Errorf("copy into a non-empty database: %d %s", code, errOut)
	}

	src, err := badger.Open(badger.Options{Dir: filepath.Join(data, "store"), EncryptionKey: []byte(strings.Repeat("\x12", 32))})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, postgres.Options{DSN: dsn, EncryptionKey: []byte(strings.Repeat("\x12", 32))})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	a, err := src.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	normalize(&a)
	normalize(&b)
	av, bv := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range av.NumField() {
		if !reflect.DeepEqual(av.Field(i).Interface(), bv.Field(i).Interface()) {
			t.Errorf("%s differ:\nbadger   %+v\npostgres %+v", av.Type().Field(i).Name, av.Field(i).Interface(), bv.Field(i).Interface())
		}
	}
	// The embedded store keeps a grant's access tokens under keys of
	// their own: the copy must carry them, not only compare equal.
	tokens := 0
	for _, g := range b.Grants {
		tokens += len(g.AccessJTIs)
	}
	if tokens == 0 {
		t.Errorf("no grant on the target lists an access token (%d grants)", len(b.Grants))
	}
	compareAuditCopy(t, data, dsn, dst, out)
}

// compareAuditCopy checks the audit log store copy made: every event of
// the data directory's log is on the target in its stored form (so with
// its hash), in chain order, the count printed is theirs, and
// `latchkey audit verify` passes on the target.
func compareAuditCopy(t *testing.T, data, dsn string, dst *postgres.Store, out string) {
	t.Helper()
	ctx := context.Background()
	srcLog, err := audit.Open(audit.Options{Dir: filepath.Join(data, "audit"), EncryptionKey: []byte(strings.Repeat("\x12", 32)), Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	n, err := srcLog.Export(ctx, time.Time{}, time.Time{}, &want)
	srcLog.Close()
	if err != nil || n == 0 {
		t.Fatalf("source audit export: %d %v", n, err)
	}
	if !strings.Contains(out, fmt.Sprintf("audit events\t%d\n", n)) {
		t.Errorf("store copy did not print %d audit events:\n%s", n, out)
	}
	dstLog, err := audit.OpenPostgres(ctx, dst.Pool(), audit.Options{NodeID: "reader", Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, err = dstLog.Export(ctx, time.Time{}, time.Time{}, &got)
	dstLog.Close()
	if err != nil {
		t.Fatal(err)
	}
	if wl, gl := strings.Split(want.String(), "\n"), strings.Split(got.String(), "\n"); !slices.Equal(wl, gl) {
		t.Errorf("audit events differ: %d lines copied, %d on the target", len(wl), len(gl))
		for i := range min(len(wl), len(gl)) {
			if wl[i] != gl[i] {
				t.Fatalf("first difference at line %d:\nbadger   %s\npostgres %s", i+1, wl[i], gl[i])
			}
		}
	}
	code, vout, verr := runCLI(t, "", "audit", "verify", "--data", t.TempDir(), "--store", dsn, "--node-id", "reader")
	if code != 0 || !strings.Contains(vout, "intact") {
		t.Errorf("audit verify on the target: %d %s %s", code, vout, verr)
	}
}

// populate writes at least one record of every kind.
func populate(t *testing.T, in *instance) {
	t.Helper()
	ctx := context.Background()
	if _, err := in.srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Password: "wonderland-42-x"}); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:9/callback"
	client, secret, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"orders:read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect,
		Scopes:   []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: in.issuer + "/authorize", TokenURL: in.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	b := testsupport.NewBrowser(t)
	for i := range 2 {
		verifier := oauth2.GenerateVerifier()
		back := b.SignIn(in.issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "alice", "wonderland-42-x").Redirect
		tok, err := cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			tok.Expiry = time.Now().Add(-time.Hour)
			if _, err := cfg.TokenSource(ctx, tok).Token(); err != nil {
				t.Fatal(err)
			}
		} else {
			revoke(t, in.issuer, client.ID, secret, tok.RefreshToken)
		}
	}
	st := in.state.store
	now := time.Now()
	// A second-factor record (recovery codes), whose secret is sealed
	// in PostgreSQL.
	alice, err := st.GetUserByUsername(ctx, "alice")
	must(t, err)
	if _, err := in.srv.Login.GenerateRecoveryCodes(ctx, alice.ID, "test"); err != nil {
		t.Fatal(err)
	}
	keys, _ := st.ListSigningKeys(ctx)
	if len(keys) == 1 {
		next := keys[0]
		next.ID, next.State, next.CreatedAt = "next-key", authcore.KeyNext, now
		must(t, st.PutSigningKeys(ctx, next))
	}
	u, err := st.GetUserByUsername(ctx, "alice")
	must(t, err)
	must(t, st.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "corp", Issuer: "https://idp.example", ClientSecret: "s3",
		Audiences: []string{"a"}, Provisioning: authcore.ProvisionCreate, Enabled: true, CreatedAt: now, UpdatedAt: now}))
	must(t, st.CreateFederatedLink(ctx, authcore.FederatedLink{Issuer: "https://idp.example", Subject: "ext/1", UserID: u.ID, ProviderID: "corp", CreatedAt: now}, nil))
	must(t, st.CreatePushedRequest(ctx, authcore.PushedRequest{Hash: "par1", ClientID: client.ID, Params: map[string]string{"scope": "openid"},
		ExpiresAt: now.Add(time.Minute), CreatedAt: now}))
	must(t, st.CreateDeviceCode(ctx, authcore.DeviceCode{Hash: "dev1", UserCode: "BCDFGHJK", ClientID: client.ID, Status: authcore.DevicePending,
		Interval: 5 * time.Second, ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}))
	must(t, st.UseOnce(ctx, "client_assertion", client.ID+":jti-1", now.Add(time.Hour)))
	must(t, st.CreateClient(ctx, authcore.Client{ID: "public-1", Type: authcore.Public, CreatedAt: now, UpdatedAt: now}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// normalize makes two snapshots of the same records compare equal with
// reflect.DeepEqual: lists sorted by key, nil and empty slices and maps
// alike, times in UTC at the microsecond (PostgreSQL's precision).
func normalize(s *authcore.Snapshot) {
	sortBy(s.Clients, func(c authcore.Client) string { return c.ID })
	sortBy(s.Users, func(u authcore.User) string { return u.ID })
	sortBy(s.Consents, func(c authcore.Consent) string { return c.UserID + "\x00" + c.ClientID })
	sortBy(s.Sessions, func(x authcore.Session) string { return x.ID })
	sortBy(s.Scopes, func(x authcore.Scope) string { return x.Name })
	sortBy(s.SigningKeys, func(x authcore.SigningKey) string { return x.ID })
	sortBy(s.AuthCodes, func(x authcore.AuthCode) string { return x.Hash })
	sortBy(s.Grants, func(x authcore.Grant) string { return x.ID })
	sortBy(s.RefreshTokens, func(x authcore.RefreshToken) string { return x.Hash })
	sortBy(s.Revocations, func(x authcore.Revocation) string { return x.JTI })
	sortBy(s.UsedOnce, func(x authcore.UsedOnce) string { return x.Kind + "\x00" + x.ID })
	sortBy(s.IdentityProviders, func(x authcore.IdentityProvider) string { return x.ID })
	sortBy(s.FederatedLinks, func(x authcore.FederatedLink) string { return x.Issuer + "\x00" + x.Subject })
	sortBy(s.PushedRequests, func(x authcore.PushedRequest) string { return x.Hash })
	sortBy(s.DeviceCodes, func(x authcore.DeviceCode) string { return x.Hash })
	normalizeValue(reflect.ValueOf(s).Elem())
}

func sortBy[T any](list []T, key func(T) string) {
	slices.SortFunc(list, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}

var timeType = reflect.TypeFor[time.Time]()

func normalizeValue(v reflect.Value) {
	switch {
	case v.Type() == timeType:
		if t := v.Interface().(time.Time); !t.IsZero() {
			v.Set(reflect.ValueOf(t.UTC().Truncate(time.Microsecond)))
		} else {
			v.Set(reflect.ValueOf(time.Time{}))
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
		}
		for i := range v.Len() {
			normalizeValue(v.Index(i))
		}
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			normalizeValue(v.Field(i))
		}
	}
}
