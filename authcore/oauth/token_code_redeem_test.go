package oauth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
)

// TestCodeExchangeWritesOnce: a redemption is one store write (the code
// consumed and the grant created together), and the grant it names
// exists with the refresh token handed out.
func TestCodeExchangeWritesOnce(t *testing.T) {
	e := newEnv(t)
	v := oauth2.GenerateVerifier()
	code := e.code(e.web, v)
	cs := &countingStore{Storage: e.store}
	e.srv.store = cs
	r := e.redeem(e.web, code, v)
	if r.status != 200 || r.str("refresh_token") == "" {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	if n := cs.writes.Load(); n != 1 {
		t.Fatalf("a code exchange wrote to the store %d times, want 1", n)
	}
	ac, err := e.store.GetAuthCode(context.Background(), hashToken(code), e.clock.Now())
	if err != nil || !ac.Consumed || ac.GrantID == "" {
		t.Fatalf("code after redemption: %+v, %v", ac, err)
	}
	g, err := e.store.GetGrant(context.Background(), ac.GrantID)
	if err != nil || g.ClientID != e.web.ID || len(g.AccessJTIs) != 1 {
		t.Fatalf("grant the code names: %+v, %v", g, err)
	}
	rt, err := e.store.GetRefreshToken(context.Background(), hashToken(r.str("refresh_token")))
	if err != nil || rt.GrantID != ac.GrantID {
		t.Fatalf("refresh token: %+v, %v", rt, err)
	}
}

// TestFailedRedemptionBurnsTheCode: whatever check a redemption fails,
// the code is consumed before the answer, so the right request after it
// is a second redemption, not a first.
func TestFailedRedemptionBurnsTheCode(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		send func(code string) tokenReply
	}{
		{"wrong verifier", func(code string) tokenReply { return e.redeem(e.web, code, oauth2.GenerateVerifier()) }},
		{"wrong client", func(code string) tokenReply { return e.redeem(e.web2, code, oauth2.GenerateVerifier()) }},
		{"redirect_uri differs", func(code string) tokenReply {
			c := e.web
			c.RedirectURIs = []string{"https://app.example/other"}
			return e.redeem(c, code, oauth2.GenerateVerifier())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := oauth2.GenerateVerifier()
			code := e.code(e.web, v)
			if r := tc.send(code); r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("failed redemption: %d %s", r.status, r.raw)
			}
			ac, err := e.store.GetAuthCode(context.Background(), hashToken(code), e.clock.Now())
			if err != nil || !ac.Consumed {
				t.Fatalf("code after a failed redemption: %+v, %v", ac, err)
			}
			if r := e.redeem(e.web, code, v); r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("the right redemption after a failed one: %d %s", r.status, r.raw)
			}
		})
	}
}

// failingConsume is a store whose ConsumeAuthCode fails as a full disk
// would.
type failingConsume struct {
	authcore.Storage
}

func (failingConsume) ConsumeAuthCode(context.Context, string, string, time.Time) (authcore.AuthCode, error) {
	return authcore.AuthCode{}, errors.New("no space left on device")
}

// TestUnburntCodeIsUnavailable: a failed redemption whose code could not
// be burnt answers 503, not invalid_grant: it must not look like an
// ordinary refusal while the code is still live, and the code is still
// redeemable by its owner afterwards.
func TestUnburntCodeIsUnavailable(t *testing.T) {
	e := newEnv(t)
	v := oauth2.GenerateVerifier()
	code := e.code(e.web, v)
	e.srv.store = failingConsume{e.store}
	if r := e.redeem(e.web, code, oauth2.GenerateVerifier()); r.status != http.StatusServiceUnavailable {
		t.Fatalf("wrong verifier with the burn failing: %d %s", r.status, r.raw)
	}
	e.srv.store = e.store
	if r := e.redeem(e.web, code, v); r.status != 200 {
		t.Fatalf("the owner's redemption: %d %s", r.status, r.raw)
	}
}

// TestConcurrentRedemptionsOneWins: of many redemptions of one code with
// the right client and verifier exactly one gets tokens, and since the
// others are replays, the winner's tokens are revoked.
func TestConcurrentRedemptionsOneWins(t *testing.T) {
	e := newEnv(t)
	v := oauth2.GenerateVerifier()
	code := e.code(e.web, v)
	const n = 16
	replies := raceRequests(n, func(int) tokenReply { return e.redeem(e.web, code, v) })
	var won []tokenReply
	for _, r := range replies {
		switch {
		case r.status == 200:
			won = append(won, r)
		case r.status != 400 || r.str("error") != "invalid_grant":
			t.Errorf("loser: %d %s", r.status, r.raw)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d redemptions won, want 1", len(won))
	}
	if e.active(e.web, won[0].str("access_token")) || e.active(e.web, won[0].str("refresh_token")) {
		t.Error("the winner's tokens survived the replays")
	}
	if got := e.rec.count(audit.CodeReuse); got != n-1 {
		t.Errorf("%d code_reuse events, want %d", got, n-1)
	}
}

// TestRacingGuessesOneOutcome: wrong verifiers racing the right one on
// one code: at most one request gets tokens, every other is
// invalid_grant, and the code is consumed afterwards whoever won.
func TestRacingGuessesOneOutcome(t *testing.T) {
	e := newEnv(t)
	for round := range 5 {
		v := oauth2.GenerateVerifier()
		code := e.code(e.web, v)
		const n = 12
		guesses := make([]string, n)
		for i := range guesses {
			guesses[i] = oauth2.GenerateVerifier()
		}
		guesses[n/2] = v
		replies := raceRequests(n, func(i int) tokenReply { return e.redeem(e.web, code, guesses[i]) })
		for i, r := range replies {
			switch {
			case r.status == 200 && i != n/2:
				t.Fatalf("round %d: a wrong verifier got tokens", round)
			case r.status != 200 && (r.status != 400 || r.str("error") != "invalid_grant"):
				t.Errorf("round %d: request %d: %d %s", round, i, r.status, r.raw)
			}
		}
		ac, err := e.store.GetAuthCode(context.Background(), hashToken(code), e.clock.Now())
		if err != nil || !ac.Consumed {
			t.Fatalf("round %d: code after the race: %+v, %v", round, ac, err)
		}
		if r := e.redeem(e.web, code, v); r.status != 400 {
			t.Fatalf("round %d: the right verifier after the race: %d %s", round, r.status, r.raw)
		}
	}
}

// raceRequests runs do(0..n-1) in n goroutines released together and
// returns their replies in order.
func raceRequests(n int, do func(i int) tokenReply) []tokenReply {
	replies := make([]tokenReply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = do(i)
		}()
	}
	close(start)
	wg.Wait()
	return replies
}
