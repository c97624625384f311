package keys

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/testsupport"
)

// OpenID Connect Discovery 1.0 §3: id_token_signing_alg_values_supported
// MUST include RS256. With the default algorithms ES256 still signs by
// default, and an RS256 key is kept in the staged lifecycle from New on
// (before any request), so any client may register RS256 ID tokens. The
// lifecycle runs per algorithm: a rotation period rotates both, a
// revoked RS256 key hands over to the RS256 next key alone, and dropping
// RS256 retires its keys while their tokens still verify.
func TestDefaultAlgorithmsKeepRS256(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = nil })
	if e.m.DefaultAlgorithm() != ES256 || !slices.Equal(e.m.Algorithms(), []string{ES256, RS256}) {
		t.Fatalf("default %s, algorithms %v", e.m.DefaultAlgorithm(), e.m.Algorithms())
	}
	if n := e.store.putCount(); n != 1 {
		t.Fatalf("New wrote %d times, want one PutSigningKeys", n)
	}
	checkInvariants(t, e.m, e.store)
	body, _ := e.m.JWKS()
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	rsa := 0
	for _, k := range set.Keys {
		if k["kty"] == "RSA" && k["alg"] == RS256 && k["use"] == "sig" {
			rsa++
		}
	}
	if rsa != 2 {
		t.Fatalf("%d RS256 keys in the JWKS, want the active and the next: %s", rsa, body)
	}
	rsTok, esTok := e.sign(t, RS256), e.sign(t, "")
	if hdr, _ := testsupport.DecodeJWT(t, rsTok); hdr["alg"] != RS256 {
		t.Fatalf("RS256 header %v", hdr)
	}
	if hdr, _ := testsupport.DecodeJWT(t, esTok); hdr["alg"] != ES256 {
		t.Fatalf("default header %v", hdr)
	}

	// A rotation period later, Tick rotates both algorithms (their next
	// keys have long been published).
	es1, rs1 := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, RS256, authcore.KeyActive)[0]
	e.clock.Advance(e.cfg.RotationPeriod)
	rsTok = e.sign(t, RS256) // by rs1, just before it retires
	e.tick(t)
	checkInvariants(t, e.m, e.store)
	es2, rs2 := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, RS256, authcore.KeyActive)[0]
	if es2 == es1 || rs2 == rs1 || !slices.Contains(byState(e.m, RS256, authcore.KeyRetired), rs1) {
		t.Fatalf("after the rotation period: ES256 %s->%s, RS256 %s->%s, keys %+v", es1, es2, rs1, rs2, e.m.Keys())
	}
	if _, err := e.verify(rsTok); err != nil {
		t.Fatalf("token of the retired RS256 key: %v", err)
	}

	// Revoking the RS256 active key: an RS256 next key takes over, ES256
	// is untouched.
	if err := e.m.Revoke(context.Background(), rs2, "admin", "test"); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, e.m, e.store)
	if got := byState(e.m, RS256, authcore.KeyActive)[0]; got == rs2 || byState(e.m, ES256, authcore.KeyActive)[0] != es2 {
		t.Fatalf("after revoking %s: %+v", rs2, e.m.Keys())
	}
	rsTok = e.sign(t, RS256)

	// An operator who drops RS256: its keys retire, its tokens verify
	// until they expire.
	e.cfg.Algorithms = []string{ES256}
	e.m = e.restart(t)
	checkInvariants(t, e.m, e.store)
	if len(byState(e.m, RS256, authcore.KeyActive)) != 0 || len(byState(e.m, RS256, authcore.KeyNext)) != 0 {
		t.Fatalf("RS256 keys still active or next: %+v", e.m.Keys())
	}
	if _, err := e.verify(rsTok); err != nil {
		t.Fatalf("token of a dropped RS256 key: %v", err)
	}
}
