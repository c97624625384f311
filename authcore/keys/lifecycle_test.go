package keys

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

var ctx = context.Background()

func (e *env) tick(t testing.TB) {
	t.Helper()
	if err := e.m.Tick(ctx); err != nil {
		t.Fatalf("Tick: %v", err)
	}
	checkInvariants(t, e.m, e.store)
}

// TestRotateIsStaged: a next key younger than JWKSMaxAge is scheduled,
// not promoted; Tick promotes it when due, with one write per change.
func TestRotateIsStaged(t *testing.T) {
	e := newEnv(t, nil)
	k1, k2 := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, ES256, authcore.KeyNext)[0]
	e.clock.Advance(time.Minute)
	puts := e.store.putCount()
	if err := e.m.Rotate(ctx, "", "alice@admin"); err != nil {
		t.Fatal(err)
	}
	if e.store.putCount() != puts+1 {
		t.Fatalf("scheduling took %d writes", e.store.putCount()-puts)
	}
	ks := e.m.Keys()
	if ks[0].ID != k1 || ks[1].ID != k2 || !ks[1].PromoteAt.Equal(t0.Add(e.cfg.JWKSMaxAge)) || !ks[1].ActivatedAt.IsZero() {
		t.Fatalf("after Rotate: %+v", ks)
	}
	if ev := e.ev.Of(audit.KeyRotated); len(ev) != 1 || ev[0].Actor != "alice@admin" || ev[0].Details["stage"] != "scheduled" {
		t.Fatalf("events %+v", ev)
	}
	if err := e.m.Rotate(ctx, "", "alice@admin"); err != nil || e.store.putCount() != puts+1 {
		t.Fatalf("second Rotate while scheduled: %v, %d writes", err, e.store.putCount()-puts)
	}
	e.clock.Advance(e.cfg.JWKSMaxAge - time.Minute - time.Second)
	e.tick(t)
	if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != k1 {
		t.Fatalf("promoted %s before due", got)
	}
	e.clock.Advance(time.Second)
	e.tick(t)
	if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != k2 {
		t.Fatalf("active %s, want %s", got, k2)
	}
	if e.store.putCount() != puts+2 {
		t.Fatalf("promotion took %d writes", e.store.putCount()-puts-1)
	}
	old := e.store.get(k1)
	if old.State != authcore.KeyRetired || !old.RetiredAt.Equal(e.clock.Now()) ||
		!old.RemoveAfter.Equal(e.clock.Now().Add(e.cfg.MaxTokenLifetime+e.cfg.JWKSMaxAge)) {
		t.Fatalf("old key %+v", old)
	}
	if kid, err := e.verify(e.sign(t, "")); err != nil || kid != k2 {
		t.Fatalf("new tokens: %s, %v", kid, err)
	}
}

func TestRotateAtOnceWhenPublishedLongEnough(t *testing.T) {
	e := newEnv(t, nil)
	k2 := byState(e.m, ES256, authcore.KeyNext)[0]
	e.clock.Advance(e.cfg.JWKSMaxAge)
	if err := e.m.Rotate(ctx, ES256, "admin"); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, e.m, e.store)
	if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != k2 {
		t.Fatalf("active %s, want %s", got, k2)
	}
	if err := e.m.Rotate(ctx, RS256, "admin"); !errors.Is(err, ErrAlgorithmNotInUse) {
		t.Fatalf("Rotate(RS256) = %v", err)
	}
}

// TestScheduledRotationAndRemoval: Tick rotates a key older than
// RotationPeriod; the retired key verifies its tokens until they expire
// and is removed after MaxTokenLifetime + JWKSMaxAge.
func TestScheduledRotationAndRemoval(t *testing.T) {
	e := newEnv(t, nil)
	k1 := byState(e.m, ES256, authcore.KeyActive)[0]
	e.clock.Advance(e.cfg.RotationPeriod - time.Minute)
	e.tick(t)
	if byState(e.m, ES256, authcore.KeyActive)[0] != k1 {
		t.Fatal("rotated early")
	}
	tok, err := e.m.Sign("", "at+jwt", claimsFor(e.clock.Now(), e.cfg.MaxTokenLifetime))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.tick(t)
	if byState(e.m, ES256, authcore.KeyActive)[0] == k1 {
		t.Fatal("not rotated after RotationPeriod")
	}
	e.clock.Advance(e.cfg.MaxTokenLifetime - time.Minute) // exp - 1m
	e.tick(t)
	if kid, err := e.verify(tok); err != nil || kid != k1 {
		t.Fatalf("retired key's token: %s, %v", kid, err)
	}
	e.clock.Advance(time.Minute + e.cfg.Leeway + time.Second)
	_, err = e.verify(tok)
	mustErr(t, err, jwt.ErrTokenExpired)
	e.clock.Advance(e.cfg.JWKSMaxAge) // past RemoveAfter
	e.tick(t)
	if len(byState(e.m, ES256, authcore.KeyRetired)) != 0 || e.store.get(k1).ID != "" {
		t.Fatalf("retired key not removed: %+v", e.m.Keys())
	}
	if ev := e.ev.Of(audit.KeyRemoved); len(ev) != 1 || ev[0].KeyID != k1 {
		t.Fatalf("key.removed events %+v", ev)
	}
	_, err = e.verify(tok)
	mustErr(t, err, ErrUnknownKey)
}

func TestRevoke(t *testing.T) {
	for _, which := range []authcore.KeyState{authcore.KeyActive, authcore.KeyNext, authcore.KeyRetired} {
		t.Run(string(which), func(t *testing.T) {
			e := newEnv(t, nil)
			e.clock.Advance(e.cfg.JWKSMaxAge)
			if err := e.m.Rotate(ctx, "", "admin"); err != nil { // one of each state
				t.Fatal(err)
			}
			kid := byState(e.m, ES256, which)[0]
			active := byState(e.m, ES256, authcore.KeyActive)[0]
			next := byState(e.m, ES256, authcore.KeyNext)[0]
			puts := e.store.putCount()
			if err := e.m.Revoke(ctx, kid, "alice@admin", "found in a paste"); err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, e.m, e.store)
			if e.store.putCount() != puts+1 {
				t.Fatalf("revocation took %d writes", e.store.putCount()-puts)
			}
			rec := e.store.get(kid)
			if rec.State != authcore.KeyRevoked || rec.PrivateDER != nil || rec.RevokedWhy != "found in a paste" || !rec.RevokedAt.Equal(e.clock.Now()) {
				t.Fatalf("stored %+v", rec)
			}
			ev := e.ev.Of(audit.KeyRevoked)
			if len(ev) != 1 || ev[0].KeyID != kid || ev[0].Actor != "alice@admin" || ev[0].Reason != "found in a paste" {
				t.Fatalf("key.revoked events %+v", ev)
			}
			body, _ := e.m.JWKS()
			for _, k := range jwksKids(t, body) {
				if k == kid {
					t.Fatal("revoked key in the JWKS")
				}
			}
			switch which {
			case authcore.KeyActive: // the next key took over at once
				if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != next {
					t.Fatalf("active %s, want %s", got, next)
				}
			default:
				if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != active {
					t.Fatalf("active changed to %s", got)
				}
			}
			if err := e.m.Revoke(ctx, kid, "alice@admin", "again"); err != nil || len(e.ev.Of(audit.KeyRevoked)) != 1 {
				t.Fatalf("second revoke: %v", err)
			}
		})
	}
}

func TestRevokeRefuses(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.m.Revoke(ctx, "nope", "admin", "why"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("unknown kid: %v", err)
	}
	if err := e.m.Revoke(ctx, byState(e.m, ES256, authcore.KeyActive)[0], "admin", ""); err == nil {
		t.Fatal("revoked without a reason")
	}
}

// TestRevokeScheduledNext: a scheduled rotation survives the revocation
// of its next key, staged again on the fresh one.
func TestRevokeScheduledNext(t *testing.T) {
	e := newEnv(t, nil)
	k1, k2 := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, ES256, authcore.KeyNext)[0]
	if err := e.m.Rotate(ctx, "", "admin"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if err := e.m.Revoke(ctx, k2, "admin", "leaked"); err != nil {
		t.Fatal(err)
	}
	k3 := e.m.Keys()[1]
	if k3.State != authcore.KeyNext || !k3.PromoteAt.Equal(e.clock.Now().Add(e.cfg.JWKSMaxAge)) {
		t.Fatalf("fresh next %+v", k3)
	}
	e.clock.Advance(e.cfg.JWKSMaxAge)
	e.tick(t)
	if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != k3.ID || got == k1 {
		t.Fatalf("active %s, want %s", got, k3.ID)
	}
}

// TestRestartMidRotation: a process that scheduled a rotation stops; a
// new one on the same store promotes at the scheduled time.
func TestRestartMidRotation(t *testing.T) {
	e := newEnv(t, nil)
	k2 := byState(e.m, ES256, authcore.KeyNext)[0]
	tok := e.sign(t, "")
	if err := e.m.Rotate(ctx, "", "admin"); err != nil {
		t.Fatal(err)
	}
	e.m = e.restart(t)
	if ks := e.m.Keys(); ks[1].ID != k2 || ks[1].PromoteAt.IsZero() {
		t.Fatalf("schedule lost across restart: %+v", ks)
	}
	if _, err := e.verify(tok); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
	e.clock.Advance(e.cfg.JWKSMaxAge)
	e.m = e.restart(t) // New itself performs a due promotion
	checkInvariants(t, e.m, e.store)
	if got := byState(e.m, ES256, authcore.KeyActive)[0]; got != k2 {
		t.Fatalf("active %s, want %s", got, k2)
	}
}

// TestCrashDuringRotation (RL-09): a write that fails changes nothing,
// in the store or in memory, and the next attempt completes.
func TestCrashDuringRotation(t *testing.T) {
	e := newEnv(t, nil)
	before, etag := e.m.Keys(), ""
	_, etag = e.m.JWKS()
	stored, _ := e.store.ListSigningKeys(ctx)
	e.clock.Advance(e.cfg.JWKSMaxAge)
	e.store.failPut = errors.New("disk gone")
	if err := e.m.Rotate(ctx, "", "admin"); err == nil {
		t.Fatal("Rotate succeeded without a write")
	}
	if err := e.m.Revoke(ctx, before[0].ID, "admin", "x"); err == nil {
		t.Fatal("Revoke succeeded without a write")
	}
	if _, e2 := e.m.JWKS(); e2 != etag || byState(e.m, ES256, authcore.KeyActive)[0] != before[0].ID {
		t.Fatal("memory changed by a failed write")
	}
	if now, _ := e.store.ListSigningKeys(ctx); len(now) != len(stored) {
		t.Fatal("store changed by a failed write")
	}
	if len(e.ev.Of(audit.KeyRotated))+len(e.ev.Of(audit.KeyRevoked)) != 0 {
		t.Fatal("audit events for changes that did not happen")
	}
	e.sign(t, "")
	e.store.failPut = nil
	e.m = e.restart(t)
	if err := e.m.Rotate(ctx, "", "admin"); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, e.m, e.store)
	if byState(e.m, ES256, authcore.KeyActive)[0] != before[1].ID {
		t.Fatal("rotation did not complete after recovery")
	}
}

// TestReloadSeesOtherProcess: a CLI rotating on the same store is picked
// up by Reload; tokens of either process verify in the other.
func TestReloadSeesOtherProcess(t *testing.T) {
	e := newEnv(t, nil)
	cli := e.restart(t)
	e.clock.Advance(e.cfg.JWKSMaxAge)
	if err := cli.Rotate(ctx, "", "cli"); err != nil {
		t.Fatal(err)
	}
	serverTok := e.sign(t, "")
	if _, err := cli.Verify(serverTok, "at+jwt", &jwt.RegisteredClaims{}); err != nil {
		t.Fatalf("retired key token in the CLI: %v", err)
	}
	if err := e.m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if a, b := byState(e.m, ES256, authcore.KeyActive), byState(cli, ES256, authcore.KeyActive); a[0] != b[0] {
		t.Fatalf("server active %v, CLI active %v", a, b)
	}
	if b1, _ := e.m.JWKS(); string(b1) != string(must(cli.JWKS())) {
		t.Fatal("JWKS differs between processes on one store")
	}
}

func must(b []byte, _ string) []byte { return b }

// TestRepairs: keys of a dropped algorithm retire; two actives (two
// writers raced) collapse to the newest.
func TestRepairs(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, EdDSA} })
	edTok := e.sign(t, EdDSA)
	e.cfg.Algorithms = []string{ES256}
	e.m = e.restart(t)
	checkInvariants(t, e.m, e.store)
	if len(byState(e.m, EdDSA, authcore.KeyRetired)) != 2 {
		t.Fatalf("EdDSA keys not retired: %+v", e.m.Keys())
	}
	if _, err := e.verify(edTok); err != nil {
		t.Fatalf("dropped algorithm's token: %v", err)
	}
	rec, err := generate(ES256, 2048, nil, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec.State, rec.ActivatedAt = authcore.KeyActive, e.clock.Now().Add(time.Second)
	if err := e.store.PutSigningKeys(ctx, rec); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	e.tick(t)
	if got := byState(e.m, ES256, authcore.KeyActive); len(got) != 1 || got[0] != rec.ID {
		t.Fatalf("actives %v, want the newest %s", got, rec.ID)
	}
}
