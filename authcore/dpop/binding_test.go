package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore/testsupport"
)

// failingReplay is a jti cache that cannot answer.
type failingReplay struct{}

func (failingReplay) Fresh(context.Context, string, time.Time, time.Time) (bool, error) {
	return false, errors.New("disk on fire")
}

// Enforcer.Check is the one sender-constraint check of /userinfo, the
// gateway and the console API: each refusal has its status, code and
// reason, and the replay cache failing is a 503 that keeps its cause.
func TestEnforcerCheck(t *testing.T) {
	key := testsupport.NewDPoPKey(t)
	const u, tok = "https://rs.example/api", "the-access-token"
	cert := &x509.Certificate{Raw: []byte("client certificate")}
	sum := sha256.Sum256(cert.Raw)
	e := &Enforcer{Replay: NewReplayCache(100)}
	req := func(proof string, withCert bool) Presented {
		r := httptest.NewRequest("GET", u, nil)
		if proof != "" {
			r.Header.Set("DPoP", proof)
		}
		if withCert {
			r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
		}
		return Presented{Request: r, Token: tok, URL: u}
	}
	bound := func(p Presented, scheme bool) Presented {
		p.Binding.JKT, p.DPoPScheme = key.JKT, scheme
		return p
	}
	replayed := key.Proof("GET", u, tok)
	if err := e.Check(bound(req(replayed, false), true)); err != nil {
		t.Fatalf("valid proof: %v", err)
	}
	noURL := bound(req(key.Proof("GET", u, tok), false), true)
	noURL.URL = ""
	mtls := req("", true)
	mtls.Binding.X5T = b64(sum[:])
	mtlsNone := req("", false)
	mtlsNone.Binding.X5T = b64(sum[:])
	for name, tc := range map[string]struct {
		p             Presented
		status        int
		code, reason  string
		dpopChallenge bool
		enforcer      *Enforcer
	}{
		"plain bearer":               {p: req("", false)},
		"certificate bound, with it": {p: mtls},
		"bound as Bearer":            {p: bound(req("", false), false), status: 401, code: "invalid_token", reason: "dpop_bound_as_bearer"},
		"unbound with DPoP scheme":   {p: func() Presented { p := req(key.Proof("GET", u, tok), false); p.DPoPScheme = true; return p }(), status: 401, code: "invalid_token", reason: "dpop_unbound_token", dpopChallenge: true},
		"no proof":                   {p: bound(req("", false), true), status: 401, code: "invalid_dpop_proof", reason: "dpop_count", dpopChallenge: true},
		"no ath":                     {p: bound(req(key.Proof("GET", u, ""), false), true), status: 401, code: "invalid_dpop_proof", reason: "dpop_claims", dpopChallenge: true},
		"wrong ath":                  {p: bound(req(key.Proof("GET", u, "other"), false), true), status: 401, code: "invalid_dpop_proof", reason: "dpop_ath", dpopChallenge: true},
		"replayed":                   {p: bound(req(replayed, false), true), status: 401, code: "invalid_dpop_proof", reason: "dpop_replay", dpopChallenge: true},
		"other key":                  {p: bound(req(testsupport.NewDPoPKey(t).Proof("GET", u, tok), false), true), status: 401, code: "invalid_token", reason: "dpop_key_mismatch", dpopChallenge: true},
		"old iat":                    {p: bound(req(key.ProofAt(time.Now().Add(-time.Hour), "GET", u, tok), false), true), status: 401, code: "invalid_dpop_proof", reason: "dpop_iat", dpopChallenge: true},
		"URL unknown":                {p: noURL, status: 400, code: "invalid_request", reason: "bad_request_url"},
		"certificate bound, none":    {p: mtlsNone, status: 401, code: "invalid_token", reason: "mtls_mismatch"},
		"replay cache cannot answer": {p: bound(req(key.Proof("GET", u, tok), false), true), status: 503, code: "temporarily_unavailable", reason: "dpop_replay_unknown", enforcer: &Enforcer{Replay: failingReplay{}}},
	} {
		t.Run(name, func(t *testing.T) {
			en := e
			if tc.enforcer != nil {
				en = tc.enforcer
			}
			got := en.Check(tc.p)
			if tc.status == 0 {
				if got != nil {
					t.Fatalf("refused: %v", got)
				}
				return
			}
			if got == nil || got.Status != tc.status || got.Code != tc.code || got.Reason != tc.reason || got.DPoP != tc.dpopChallenge {
				t.Fatalf("got %+v, want %d %s %s dpop=%v", got, tc.status, tc.code, tc.reason, tc.dpopChallenge)
			}
			if (tc.status == 503) != (got.Err != nil) {
				t.Errorf("Err %v for status %d", got.Err, tc.status)
			}
		})
	}
}
