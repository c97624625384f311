package keys

import (
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify (RL-14): Verify never panics, and accepts nothing but a
// token one of the manager's keys signed (any accepted token names a
// published kid and carries exactly the expected typ).
func FuzzVerify(f *testing.F) {
	e := newEnv(f, nil)
	good := e.sign(f, "")
	f.Add(good)
	f.Add(good[:len(good)-2])
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("....")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		var c jwt.RegisteredClaims
		kid, err := e.m.Verify(tok, "at+jwt", &c)
		if err != nil {
			if kid != "" || !strings.HasPrefix(err.Error(), "keys: ") {
				t.Fatalf("failure returned kid %q, error %v", kid, err)
			}
			return
		}
		if e.m.set.Load().byKID[kid] == nil || c.ExpiresAt == nil {
			t.Fatalf("accepted %q with kid %q", tok, kid)
		}
	})
}
