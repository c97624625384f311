package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
	"github.com/latchkey/latchkey/authcore/testsupport"
	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestPostgresDumpHoldsNoSecret populates a PostgreSQL store through the
// real server (a user's password, a client secret, a sign-in with its
// session cookie, an authorization code, access and refresh tokens and a
// rotated successor, an IdP client secret, the signing keys) and greps a
// pg_dump of the whole database for every secret it handed out, raw, in
// hex (bytea) and in base64: none may be there.
func TestPostgresDumpHoldsNoSecret(t *testing.T) {
	dsn := pgtest.Database(t)
	t.Setenv("LATCHKEY_ENCRYPTION_KEY", strings.Repeat("ef", 32))
	f := serveFlags{addr: "127.0.0.1:0", migrate: true}
	f.common = common{data: t.TempDir(), logFormat: "json", logLevel: "error", storeFlags: storeFlags{store: dsn}}
	in, err := start(&f, fstest.MapFS{}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	defer in.stop()
	ctx := context.Background()
	secrets := map[string]string{}

	const password = "correct-horse-battery-42"
	if _, err := in.srv.Login.CreateUser(ctx, login.UserSpec{Username: "alice", Password: password}); err != nil {
		t.Fatal(err)
	}
	secrets["user password"] = password
	redirect := "http://127.0.0.1:9/callback"
	client, secret, err := in.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Shop", Type: authcore.Confidential,
		RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"orders:read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	secrets["client secret"] = secret
	cfg := oauth2.Config{ClientID: client.ID, ClientSecret: secret, RedirectURL: redirect,
		Scopes:   []string{"orders:read", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: in.issuer + "/authorize", TokenURL: in.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	b := testsupport.NewBrowser(t)
	back := b.SignIn(in.issuer, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "alice", password).Redirect
	code := back.Query().Get("code")
	secrets["authorization code"] = code
	issuerURL, _ := url.Parse(in.issuer)
	for _, c := range b.Client.Jar.Cookies(issuerURL) {
		secrets["cookie "+c.Name] = c.Value
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	secrets["access token"], secrets["refresh token"] = tok.AccessToken, tok.RefreshToken
	tok.Expiry = time.Now().Add(-time.Hour)
	tok2, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil || tok2.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v", err)
	}
	secrets["rotated refresh token"] = tok2.RefreshToken
	if err := in.state.store.CreateIdentityProvider(ctx, authcore.IdentityProvider{ID: "corp", Issuer: "https://idp.example",
		ClientID: "latchkey", ClientSecret: "idp-secret-Zq81vX3", Provisioning: authcore.ProvisionRefuse}); err != nil {
		t.Fatal(err)
	}
	secrets["IdP client secret"] = "idp-secret-Zq81vX3"
	keys, err := in.state.store.ListSigningKeys(ctx)
	if err != nil || len(keys) == 0 {
		t.Fatalf("signing keys: %d, %v", len(keys), err)
	}
	var der [][]byte
	for _, k := range keys {
		der = append(der, k.PrivateDER)
	}
	if len(secrets) < 9 {
		t.Fatalf("only %d secrets handed out (no session cookie?): %v", len(secrets), secrets)
	}

	dump := pgDump(t, dsn)
	if !bytes.Contains(dump, []byte("refresh_tokens")) || !bytes.Contains(dump, []byte(client.ID)) {
		t.Fatalf("the dump lacks the populated tables (%d bytes)", len(dump))
	}
	for what, v := range secrets {
		if v == "" {
			t.Errorf("%s: empty", what)
			continue
		}
		for _, enc := range encodings([]byte(v)) {
			if bytes.Contains(dump, enc) {
				t.Errorf("the dump contains the %s (%q)", what, enc)
			}
		}
	}
	for i, d := range der {
		// The private scalar sits in the last bytes of the PKCS#8 DER;
		// any 16-byte window of it would give the key away.
		for _, enc := range encodings(d[len(d)-16:]) {
			if bytes.Contains(dump, enc) {
				t.Errorf("the dump contains private material of signing key %d", i)
			}
		}
	}
}

// encodings are the forms a secret could take in a dump: raw, hex (how
// pg_dump writes bytea) and base64.
func encodings(b []byte) [][]byte {
	return [][]byte{b, []byte(hex.EncodeToString(b)), []byte(base64.StdEncoding.EncodeToString(b)),
		[]byte(base64.RawURLEncoding.EncodeToString(b))}
}

// pgDump returns a plain-text pg_dump of the database at dsn.
func pgDump(t *testing.T, dsn string) []byte {
	t.Helper()
	c := pgtest.Shared(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.Bin("pg_dump"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", c.User,
		"--no-owner", "-d", strings.TrimPrefix(u.Path, "/"))
	cmd.Env = append(os.Environ(), "PGPASSWORD="+c.Password)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	return out
}
