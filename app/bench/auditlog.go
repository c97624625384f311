package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/latchkey/latchkey/audit"
)

// AuditResult is the audit log's figures: how fast events are written and
// how long a filtered page takes over them.
type AuditResult struct {
	Events      int
	WriteRate   float64       // events per second through Record, to the last commit
	QueryP50    time.Duration // median over the filters of each filter's median time
	QueryWorst  time.Duration // the slowest filter's median time
	WorstFilter string
}

// auditQueries are the filtered pages timed, as audit/cmd/auditbench
// times them: each a page of 100.
var auditQueries = []struct {
	name string
	f    audit.Filter
}{
	{"newest 100", audit.Filter{}},
	{"type=login.failed", audit.Filter{Types: []audit.Type{audit.LoginFailed}}},
	{"type in (issued, refreshed), client=client-7", audit.Filter{Types: []audit.Type{audit.TokenIssued, audit.TokenRefreshed}, ClientID: "client-7"}},
	{"subject=user-123", audit.Filter{Subject: "user-123"}},
	{"outcome=failure, ip=198.51.100.42", audit.Filter{Outcome: audit.Failure, RemoteIP: "198.51.100.42"}},
	{`type=token.issued, details.scope%"*admin*"`, audit.Filter{Types: []audit.Type{audit.TokenIssued}, Expr: `details.scope%"*admin*"`}},
}

// AuditFigures fills a fresh audit log in dir (encrypted, the server's
// defaults otherwise) with n synthetic events spread over the last 30
// days, through Record (the server's buffered path), then times each
// filtered page runs times.
func AuditFigures(ctx context.Context, dir string, n, runs int) (AuditResult, error) {
	key := make([]byte, 32)
	randRead(key)
	log, err := audit.Open(audit.Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		return AuditResult{}, err
	}
	defer log.Close()
	r := rand.New(rand.NewPCG(1, 2))
	types := []audit.Type{audit.TokenIssued, audit.TokenIssued, audit.TokenIssued, audit.TokenRefreshed,
		audit.TokenRefreshed, audit.LoginSucceeded, audit.LoginFailed, audit.GatewayDenied,
		audit.TokenRevoked, audit.ClientAuthFailed, audit.ConsentGranted, audit.RateLimitHit}
	scopes := []string{"openid", "openid profile", "openid admin", "orders:read", "orders:write admin:keys"}
	span := 30 * 24 * time.Hour
	base := time.Now().Add(-span)
	step := span / time.Duration(n)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		typ := types[r.IntN(len(types))]
		e := audit.Event{
			Time: base.Add(time.Duration(i) * step), Type: typ, Outcome: audit.Success,
			ClientID: fmt.Sprintf("client-%d", r.IntN(50)), Subject: fmt.Sprintf("user-%d", r.IntN(5000)),
			RemoteIP: fmt.Sprintf("198.51.100.%d", r.IntN(250)), RequestID: fmt.Sprintf("req-%d", i),
			Details: map[string]any{"scope": scopes[r.IntN(len(scopes))], "jti": fmt.Sprintf("%016x", r.Uint64())},
		}
		if typ == audit.LoginFailed || typ == audit.GatewayDenied || typ == audit.ClientAuthFailed {
			e.Outcome, e.Reason = audit.Failure, "invalid_grant"
		}
		log.Record(ctx, e)
	}
	if err := log.Flush(ctx); err != nil {
		return AuditResult{}, err
	}
	res := AuditResult{Events: n, WriteRate: float64(n) / time.Since(t0).Seconds()}
	var medians []time.Duration
	for _, q := range auditQueries {
		q.f.Limit = 100
		var times []time.Duration
		for i := 0; i < runs; i++ {
			t := time.Now()
			if _, err := log.Query(ctx, q.f); err != nil {
				return res, fmt.Errorf("bench: audit query %s: %w", q.name, err)
			}
			times = append(times, time.Since(t))
		}
		m := median(times)
		medians = append(medians, m)
		if m > res.QueryWorst {
			res.QueryWorst, res.WorstFilter = m, q.name
		}
	}
	res.QueryP50 = median(medians)
	return res, nil
}

// audit measures the audit log in the working directory.
func (r *runner) audit(ctx context.Context) error {
	res, err := AuditFigures(ctx, r.cfg.Work+"/auditlog", r.cfg.AuditEvents, 7)
	if err != nil {
		return err
	}
	r.res.Audit = res
	fmt.Fprintf(r.cfg.Progress, "  %d events written at %.0f/s; filtered page of 100: median %.2f ms, slowest %.2f ms (%s)\n",
		res.Events, res.WriteRate, ms(res.QueryP50), ms(res.QueryWorst), res.WorstFilter)
	return nil
}
