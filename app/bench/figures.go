package bench

import (
	"context"
	"fmt"
)

// Figure keys (Results.Figures).
const (
	KeyCC        = "cc"         // + concurrency: cc1, cc8, cc32, cc128
	KeyIntro     = "introspect" // + concurrency
	KeyRevoke    = "revoke8"
	KeyExchange  = "exchange8"
	KeyRefresh   = "refresh8"
	KeyFlow      = "flow8"
	KeyGateway   = "gateway8"
	KeyDemo      = "demo8"
	KeyCCRS256   = "cc8-rs256"
	KeyServerRSS = "rss"
)

// ccScope is what the client_credentials figures ask for.
const ccScope = "orders:read"

// figures measures the token server and the gateway on a fresh data
// directory, with ES256 (the default).
func (r *runner) figures(ctx context.Context) error {
	if err := r.freshData(ctx, "main"); err != nil {
		return err
	}
	srv, err := r.start(ctx)
	if err != nil {
		return err
	}
	defer r.stop(srv)
	lim := r.res.Limits
	base, cc := srv.URL, r.fx.CC
	for _, c := range []int{1, 8, 32, 128} {
		l := r.ccWrk("client_credentials (ES256)", base+"/token", cc, c)
		if err := r.measure(ctx, fmt.Sprintf("%s%d", KeyCC, c), l, lim.ES256, "ES256 signatures"); err != nil {
			return err
		}
	}
	tokens, err := MintAccessTokens(ctx, base, cc, ccScope, 1000, 8)
	if err != nil {
		return err
	}
	for _, c := range []int{1, 8, 128} {
		l := r.introWrk("introspection", base+"/introspect", cc, tokens, c)
		if err := r.measure(ctx, fmt.Sprintf("%s%d", KeyIntro, c), l, lim.Bare, "bare net/http"); err != nil {
			return err
		}
	}
	if err := r.measure(ctx, KeyRevoke, r.revokeLoad(base), lim.Write, "synced writes (1/p50)"); err != nil {
		return err
	}
	b := &Browser{Base: base, Client: r.fx.Web, RedirectURI: r.fx.RedirectURI, Scope: webScope, User: r.fx.User, Password: r.fx.Password}
	if err := b.SignIn(ctx); err != nil {
		return err
	}
	exchange, refresh := durableLoads(b)
	if err := r.measure(ctx, KeyExchange, exchange, lim.Write, "synced writes (1/p50)"); err != nil {
		return err
	}
	if err := r.measure(ctx, KeyRefresh, refresh, lim.Write, "synced writes (1/p50)"); err != nil {
		return err
	}
	flow := Load{Name: "full code+PKCE flow (SSO, consent kept)", Conc: 8, Op: b.FlowOp()}
	halfBare := lim.Bare
	halfBare.Rate /= 2
	if err := r.measure(ctx, KeyFlow, flow, halfBare, "bare net/http / 2 requests"); err != nil {
		return err
	}
	gw := Load{Name: "gateway /bench/ -> upstream", Conc: 8, Op: GetOp(base+"/bench/orders", tokens[0])}
	if err := r.measure(ctx, KeyGateway, gw, lim.Proxy, "bare ReverseProxy"); err != nil {
		return err
	}
	demo := Load{Name: "gateway demo API (in-process)", Conc: 8, Op: GetOp(base+"/demo/api/orders", tokens[0])}
	if err := r.measure(ctx, KeyDemo, demo, lim.Bare, "bare net/http"); err != nil {
		return err
	}
	if rss, err := srv.RSS(); err == nil {
		r.add(KeyServerRSS, Figure{Name: "server RSS after the figures above", Rate: float64(rss)}, Figure{}, "")
	}
	return nil
}

// revokeLoad revokes fresh client_credentials access tokens, minted
// before each run.
func (r *runner) revokeLoad(base string) Load {
	pool := &Pool[string]{}
	return Load{Name: "revocation (durable)", Conc: 8, Op: Revoke(base, r.fx.CC, pool), Guess: 1000,
		Before: func(ctx context.Context, need int) error {
			pool.Drain()
			ts, err := MintAccessTokens(ctx, base, r.fx.CC, ccScope, need, 8)
			pool.Put(ts...)
			return err
		}}
}

// rs256 restarts the server with RS256 as the default algorithm and
// measures client_credentials against the RS256 signing limit.
func (r *runner) rs256(ctx context.Context) error {
	srv, err := r.start(ctx, "--signing-algs", "RS256,ES256")
	if err != nil {
		return err
	}
	defer r.stop(srv)
	l := Load{Name: "client_credentials (RS256)", Conc: 8, Op: ClientCredentials(srv.URL, r.fx.CC, ccScope), Guess: 1000}
	return r.measure(ctx, KeyCCRS256, l, r.res.Limits.RS256, "RS256 signatures")
}

// durableLoads are the code exchange and refresh rotation loads of a
// signed-in browser: single-use inputs minted before each run.
func durableLoads(b *Browser) (exchange, refresh Load) {
	codes := &Pool[PendingCode]{}
	exchange = Load{Name: "code exchange (PKCE, durable)", Conc: 8, Op: b.ExchangeOp(codes), Guess: 1000,
		Before: func(ctx context.Context, need int) error { codes.Drain(); return b.MintCodes(ctx, codes, need, 8) }}
	families := &Pool[string]{}
	refresh = Load{Name: "refresh rotation (durable)", Conc: 8, Op: b.RefreshOp(families), States: NewChain, Guess: 1000,
		Before: func(ctx context.Context, need int) error {
			families.Drain()
			return b.MintFamilies(ctx, families, need/ChainLength+16, 8)
		}}
	return exchange, refresh
}
