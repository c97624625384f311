package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
)

// issueCert makes a certificate for key signed by parent (self-signed
// when parent is nil).
func issueCert(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, pkey *ecdsa.PrivateKey) (*x509.Certificate, tls.Certificate) {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	if parent == nil {
		parent, pkey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, pkey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mtlsEnv is a server behind an httptest TLS listener that requests (and
// does not verify) client certificates, as serve's listener does.
type mtlsEnv struct {
	*env
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	server *httptest.Server
}

func newMTLSEnv(t *testing.T, enabled bool) *mtlsEnv {
	caKey := newECKey(t)
	ca, _ := issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, caKey, nil, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	mux := http.NewServeMux()
	ts := httptest.NewUnstartedServer(mux)
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	e := &env{t: t, store: newStore(t), rec: &recorder{}, clock: &clock{now: time.Now().Truncate(time.Second)}, ts: ts}
	e.signer = newFakeSigner(e.clock.Now)
	e.ui = &fakeUI{store: e.store, now: e.clock.Now, authz: func() *Authorizer { return e.srv.Authorizer() }}
	srv, err := New(context.Background(), Config{Issuer: ts.URL, Store: e.store, Signer: e.signer, Interaction: e.ui,
		Audit: e.rec, Now: e.clock.Now, ClientRate: rate.Inf, IPRate: rate.Inf, AuthFailureRate: rate.Inf,
		MTLS: MTLSConfig{Enabled: enabled, ClientCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	srv.Mount(mux)
	if err := srv.EnsureDefaultScopes(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.rs = e.client(ClientSpec{Name: "rs", GrantTypes: []string{authcore.GrantClientCredentials}, Audience: []string{ts.URL}})
	return &mtlsEnv{env: e, ca: ca, caKey: caKey, server: ts}
}

// tokenWith posts a client_credentials request presenting cert (none
// when nil), as client_id alone or with Basic credentials.
func (m *mtlsEnv) tokenWith(cert *tls.Certificate, c testClient) tokenReply {
	m.t.Helper()
	hc := m.server.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	hc = &http.Client{Transport: tr}
	f := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	if c.secret == "" {
		f.Set("client_id", c.ID)
	}
	req, _ := http.NewRequest("POST", m.ts.URL+"/token", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.secret != "" {
		req.SetBasicAuth(c.ID, c.secret)
	}
	resp, err := hc.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	r := tokenReply{status: resp.StatusCode, header: resp.Header}
	_ = json.NewDecoder(resp.Body).Decode(&r.body)
	b, _ := json.Marshal(r.body)
	r.raw = string(b)
	return r
}

// introspectTLS asks about token as caller over the TLS listener.
func (m *mtlsEnv) introspectTLS(caller testClient, token string) tokenReply {
	m.t.Helper()
	req, _ := http.NewRequest("POST", m.ts.URL+"/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(caller.ID, caller.secret)
	resp, err := m.server.Client().Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	r := tokenReply{status: resp.StatusCode}
	_ = json.NewDecoder(resp.Body).Decode(&r.body)
	b, _ := json.Marshal(r.body)
	r.raw = string(b)
	return r
}

// RFC 8705 §2.1: tls_client_auth by subject DN or SAN, certificate-bound
// tokens (cnf.x5t#S256, §3.1) shown by introspection (§3.2).
func TestTLSClientAuth(t *testing.T) {
	m := newMTLSEnv(t, true)
	_, good := issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client-1", Organization: []string{"Acme"}},
		DNSNames: []string{"client-1.acme.example"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		newECKey(t), m.ca, m.caKey)
	_, stranger := issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client-1", Organization: []string{"Acme"}}},
		newECKey(t), nil, nil)
	spec := func(name string, id authcore.TLSClientAuth) testClient {
		return m.client(ClientSpec{Name: name, AuthMethod: authcore.AuthTLSClient, TLSClientAuth: id,
			GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}})
	}
	byDN := spec("dn", authcore.TLSClientAuth{SubjectDN: "CN=client-1, O=Acme"})
	bySAN := spec("san", authcore.TLSClientAuth{SANDNS: "client-1.acme.example"})
	other := spec("other", authcore.TLSClientAuth{SubjectDN: "CN=client-2,O=Acme"})
	for _, c := range []testClient{byDN, bySAN} {
		r := m.tokenWith(&good, c)
		if r.status != 200 || r.str("token_type") != "Bearer" || accessCnf(t, r.str("access_token"))["x5t#S256"] != certThumbprint(good.Leaf) {
			t.Fatalf("%s: %d %s", c.Name, r.status, r.raw)
		}
		in := m.introspectTLS(m.rs, r.str("access_token"))
		if cnf, _ := in.body["cnf"].(map[string]any); cnf["x5t#S256"] != certThumbprint(good.Leaf) {
			t.Fatalf("introspection: %s", in.raw)
		}
	}
	for name, tc := range map[string]struct {
		cert *tls.Certificate
		c    testClient
	}{"no certificate": {nil, byDN}, "untrusted issuer": {&stranger, byDN}, "other subject": {&good, other}} {
		if r := m.tokenWith(tc.cert, tc.c); r.status != 400 || r.str("error") != CodeInvalidClient {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
}

// RFC 8705 §2.2: self_signed_tls_client_auth with the certificate in the
// client's JWKS; §3.4: a secret client with
// tls_client_certificate_bound_access_tokens.
func TestSelfSignedTLSClientAuthAndBinding(t *testing.T) {
	m := newMTLSEnv(t, true)
	key := newECKey(t)
	leaf, self := issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "self"}}, key, nil, nil)
	_, other := issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "self"}}, newECKey(t), nil, nil)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, Certificates: []*x509.Certificate{leaf}}}})
	c := m.client(ClientSpec{Name: "self", AuthMethod: authcore.AuthSelfSignedTLSClient, JWKS: string(jwks),
		GrantTypes: []string{authcore.GrantClientCredentials}, Scopes: []string{"orders:read"}})
	if r := m.tokenWith(&self, c); r.status != 200 || accessCnf(t, r.str("access_token"))["x5t#S256"] != certThumbprint(leaf) {
		t.Fatalf("registered certificate: %d %s", r.status, r.raw)
	}
	if r := m.tokenWith(&other, c); r.status != 400 || r.str("error") != CodeInvalidClient {
		t.Fatalf("other certificate: %d %s", r.status, r.raw)
	}
	bound := m.client(ClientSpec{Name: "bound", GrantTypes: []string{authcore.GrantClientCredentials},
		Scopes: []string{"orders:read"}, TLSClientCertificateBoundAccessTokens: true})
	if r := m.tokenWith(&other, bound); r.status != 200 || accessCnf(t, r.str("access_token"))["x5t#S256"] != certThumbprint(other.Leaf) {
		t.Fatalf("bound secret client: %d %s", r.status, r.raw)
	}
	if r := m.tokenWith(nil, bound); r.status != 400 || r.str("error") != CodeInvalidRequest {
		t.Fatalf("bound client without certificate: %d %s", r.status, r.raw)
	}
}

// The mTLS metadata appears only when mTLS is on; with it off the
// methods cannot even be registered.
func TestMTLSMetadata(t *testing.T) {
	on := newMTLSEnv(t, true).srv.Metadata(t.Context())
	methods, _ := on["token_endpoint_auth_methods_supported"].([]string)
	if on["tls_client_certificate_bound_access_tokens"] != true || !slices.Contains(methods, authcore.AuthTLSClient) ||
		!slices.Contains(methods, authcore.AuthSelfSignedTLSClient) {
		t.Fatalf("mTLS on: %v %v", on["tls_client_certificate_bound_access_tokens"], methods)
	}
	if slices.Contains(authMethods, authcore.AuthTLSClient) {
		t.Fatal("the shared authMethods slice was changed")
	}
	off := newMTLSEnv(t, false)
	md := off.srv.Metadata(t.Context())
	methods, _ = md["token_endpoint_auth_methods_supported"].([]string)
	if _, ok := md["tls_client_certificate_bound_access_tokens"]; ok || slices.Contains(methods, authcore.AuthTLSClient) {
		t.Fatalf("mTLS off: %v", md)
	}
	_, _, err := off.srv.CreateClient(t.Context(), ClientSpec{Name: "x", AuthMethod: authcore.AuthTLSClient,
		TLSClientAuth: authcore.TLSClientAuth{SubjectDN: "CN=x"}, GrantTypes: []string{authcore.GrantClientCredentials}})
	if err == nil {
		t.Fatal("tls_client_auth registered with mTLS off")
	}
}
