package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
)

// Reference figure keys (Results.Figures): node-oidc-provider measured in
// the same run, by the same load generator (wrk), pinned the same way.
const (
	KeyRefCC    = "ref-cc"         // + concurrency: opaque tokens, the provider's fastest mode
	KeyRefCCJWT = "ref-cc-jwt8"    // ES256 JWT access tokens, as Latchkey issues them
	KeyRefIntro = "ref-introspect" // + concurrency: opaque tokens
)

// ReferenceDir is the bench-only npm project of node-oidc-provider
// (app/bench/oidcref), relative to the repository root where `make bench`
// runs lkbench.
const ReferenceDir = "app/bench/oidcref"

// checkReference reports why the reference server cannot run, or nil.
func checkReference(dir string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("bench: node not found: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		return fmt.Errorf("bench: %s has no node_modules (make bench-deps installs them): %w", dir, err)
	}
	return nil
}

// StartReference starts node-oidc-provider (server.mjs) in mode opaque or
// jwt on a free loopback port, pinned to the server core like Latchkey,
// with NODE_ENV=production, and waits for its discovery document.
func StartReference(ctx context.Context, dir, logPath, mode string, cred Credentials) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	script, err := filepath.Abs(filepath.Join(dir, "server.mjs"))
	if err != nil {
		return nil, err
	}
	p, err := startPinnedEnv("node-oidc-provider ("+mode+")", serverCore, 0, []string{"NODE_ENV=production"}, logPath, "node", script, port, mode, cred.ID, cred.Secret)
	if err != nil {
		return nil, err
	}
	s := &Server{Proc: p, URL: "http://" + addr}
	if err := s.waitReady(ctx, "/.well-known/openid-configuration"); err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// newRefCredentials makes the reference server's one client.
func newRefCredentials() Credentials {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return Credentials{ID: "lkbench-ref", Secret: hex.EncodeToString(b)}
}

// reference measures node-oidc-provider: client_credentials and
// introspection with opaque tokens at c=8 and c=128, and
// client_credentials with ES256 JWTs at c=8 (its JWT access tokens cannot
// be introspected: the provider answers unsupported_token_type).
func (r *runner) reference(ctx context.Context) error {
	dir := r.cfg.ReferenceDir
	if dir == "" {
		fmt.Fprintln(r.cfg.Progress, "  left out (-reference \"\"): its targets are NOT MEASURED")
		return nil
	}
	if err := checkReference(dir); err != nil {
		return err
	}
	cred := newRefCredentials()
	logPath := filepath.Join(r.cfg.Work, "oidc-provider.log")
	srv, err := StartReference(ctx, dir, logPath, "opaque", cred)
	if err != nil {
		return err
	}
	r.pid = srv.PID()
	defer func() { srv.Stop(); r.pid = 0 }()
	for _, c := range []int{8, 128} {
		if err := r.measure(ctx, fmt.Sprintf("%s%d", KeyRefCC, c), r.ccWrk("node-oidc-provider client_credentials (opaque)", srv.URL+"/token", cred, c), Figure{}, ""); err != nil {
			return err
		}
	}
	tokens, err := MintAccessTokens(ctx, srv.URL, cred, ccScope, 1000, 8)
	if err != nil {
		return err
	}
	for _, c := range []int{8, 128} {
		l := r.introWrk("node-oidc-provider introspection (opaque)", srv.URL+"/token/introspection", cred, tokens, c)
		if err := r.measure(ctx, fmt.Sprintf("%s%d", KeyRefIntro, c), l, Figure{}, ""); err != nil {
			return err
		}
	}
	srv.Stop()
	jwt, err := StartReference(ctx, dir, logPath, "jwt", cred)
	if err != nil {
		return err
	}
	r.pid = jwt.PID()
	defer jwt.Stop()
	return r.measure(ctx, KeyRefCCJWT, r.ccWrk("node-oidc-provider client_credentials (ES256 JWT)", jwt.URL+"/token", cred, 8), Figure{}, "")
}

// ccWrk is client_credentials driven by wrk at c connections; the Op
// checks one answer first.
func (r *runner) ccWrk(name, endpoint string, cred Credentials, c int) Load {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {ccScope}}
	base := endpoint[:len(endpoint)-len("/token")]
	return Load{Name: name, Conc: c, Op: ClientCredentials(base, cred, ccScope),
		Wrk: &Wrk{URL: endpoint, Cred: cred, Bodies: []url.Values{form}, Dir: r.cfg.Work}}
}

// introWrk is introspection of one of tokens (all active) driven by wrk.
func (r *runner) introWrk(name, endpoint string, cred Credentials, tokens []string, c int) Load {
	bodies := make([]url.Values, 0, min(len(tokens), 256))
	for _, t := range tokens[:cap(bodies)] {
		bodies = append(bodies, url.Values{"token": {t}})
	}
	return Load{Name: name, Conc: c, Op: introspectAt(endpoint, cred, tokens),
		Wrk: &Wrk{URL: endpoint, Cred: cred, Bodies: bodies, Dir: r.cfg.Work}}
}
