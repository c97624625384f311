package federation

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestVerifyRefusesNonStrictJWS: the token is parsed by authcore/jws
// before anything is looked up, and every shape it refuses is audited as
// malformed; a well-formed token from nobody's issuer gets further.
func TestVerifyRefusesNonStrictJWS(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Issuer: "https://as.example", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	const hdr = `{"alg":"ES256","kid":"k"}`
	const claims = `{"iss":"https://idp.example","sub":"u"}`
	sig := seg("signature")
	for name, tc := range map[string]struct{ token, reason string }{
		"well formed, unknown issuer": {seg(hdr) + "." + seg(claims) + "." + sig, ReasonUntrustedIssuer},
		"crit":                        {seg(`{"alg":"ES256","crit":["exp"]}`) + "." + seg(claims) + "." + sig, ReasonMalformed},
		"zip":                         {seg(`{"alg":"ES256","zip":"DEF"}`) + "." + seg(claims) + "." + sig, ReasonMalformed},
		"b64":                         {seg(`{"alg":"ES256","b64":false}`) + "." + seg(claims) + "." + sig, ReasonMalformed},
		"duplicate header member":     {seg(`{"alg":"none","alg":"ES256"}`) + "." + seg(claims) + "." + sig, ReasonMalformed},
		"duplicate claim":             {seg(hdr) + "." + seg(`{"iss":"https://a.example","iss":"https://idp.example"}`) + "." + sig, ReasonMalformed},
		"empty signature":             {seg(hdr) + "." + seg(claims) + ".", ReasonMalformed},
		"padding":                     {seg(hdr) + "." + seg(claims) + "=." + sig, ReasonMalformed},
		"two parts":                   {seg(hdr) + "." + seg(claims), ReasonMalformed},
		"payload not an object":       {seg(hdr) + "." + seg(`["iss"]`) + "." + sig, ReasonMalformed},
		"too large":                   {seg(hdr) + "." + seg(`{"x":"`+strings.Repeat("a", MaxTokenBytes)+`"}`) + "." + sig, ReasonMalformed},
	} {
		_, err := s.Identify(context.Background(), tc.token, "")
		var ee *authcore.ExternalTokenError
		if !errors.As(err, &ee) || ee.Reason != tc.reason || ee.Temporary {
			t.Errorf("%s: %v, want %s", name, err, tc.reason)
		}
	}
}
