package monitor

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/audit"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sink collects recorded events.
type sink struct {
	mu sync.Mutex
	ev []audit.Event
}

func (s *sink) Record(_ context.Context, e audit.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ev = append(s.ev, e)
}

func TestAlertsFireOnThresholds(t *testing.T) {
	now := t0
	rec := &sink{}
	a := NewAlerts(AlertConfig{Recorder: rec, Now: func() time.Time { return now },
		BruteForce: Threshold{Count: 3, Window: time.Minute}, InvalidClient: Threshold{Count: 5, Window: time.Minute}})
	fail := func(at time.Duration, sub, ip string) {
		a.Observe(audit.Event{Time: t0.Add(at), Type: audit.LoginFailed, Outcome: audit.Failure, Subject: sub, RemoteIP: ip})
	}
	// Two failures then a third outside the window: no alert.
	fail(0, "alice", "192.0.2.1")
	fail(10*time.Second, "alice", "192.0.2.2")
	fail(2*time.Minute, "alice", "192.0.2.3")
	if n := len(a.Recent()); n != 0 {
		t.Fatalf("%d alerts before the threshold: %+v", n, a.Recent())
	}
	fail(2*time.Minute+time.Second, "alice", "192.0.2.4")
	fail(2*time.Minute+2*time.Second, "alice", "192.0.2.5") // third within a minute
	fail(2*time.Minute+3*time.Second, "alice", "192.0.2.6") // quiet: same window
	for i := 0; i < 3; i++ {
		fail(3*time.Minute+time.Duration(i)*time.Second, "u"+string(rune('a'+i)), "198.51.100.9")
	}
	for i := 0; i < 5; i++ {
		a.Observe(audit.Event{Time: t0.Add(4 * time.Minute), Type: audit.ClientAuthFailed, Outcome: audit.Failure, Reason: "invalid_client"})
	}
	a.Observe(audit.Event{Time: t0, Type: audit.RefreshReuse, Outcome: audit.Failure, ClientID: "app"})
	a.Observe(audit.Event{Time: t0, Type: audit.CodeReuse, Outcome: audit.Failure, ClientID: "app"})
	a.CheckKeyAge("k1", 30*24*time.Hour, 90*24*time.Hour)
	a.CheckKeyAge("k2", 91*24*time.Hour, 90*24*time.Hour)
	a.CheckKeyAge("k2", 92*24*time.Hour, 90*24*time.Hour) // repeats only after a day
	now = now.Add(25 * time.Hour)
	a.CheckKeyAge("k2", 93*24*time.Hour, 90*24*time.Hour)
	a.Close()
	var rules []string
	for _, al := range a.Recent() {
		rules = append(rules, al.Rule+":"+al.Key)
	}
	want := "key_age:k2 key_age:k2 code_reuse:app refresh_reuse:app invalid_client_spike: brute_force_ip:198.51.100.9 brute_force_account:alice"
	if got := strings.Join(rules, " "); got != want {
		t.Fatalf("alerts (newest first):\n got %s\nwant %s", got, want)
	}
	if len(rec.ev) != 7 || rec.ev[0].Type != audit.AlertRaised || rec.ev[0].Subject != "alice" || rec.ev[0].Details["rule"] != RuleBruteForceAccount {
		t.Fatalf("recorded %+v", rec.ev)
	}
}

func TestMetricsHandler(t *testing.T) {
	m := NewMetrics(MetricsConfig{ActiveSessions: func() float64 { return 3 },
		AuditStats: func() audit.Stats { return audit.Stats{Recorded: 9} }})
	m.Observe(audit.Event{Type: audit.TokenIssued, Outcome: audit.Success, ClientID: "app", Details: map[string]any{"grant_type": "client_credentials"}})
	m.Observe(audit.Event{Type: audit.LoginFailed, Outcome: audit.Failure, Reason: "bad_password"})
	m.Observe(audit.Event{Type: audit.RateLimitHit, Outcome: audit.Failure, ClientID: "app", Reason: "rate_limited"})
	m.SetKeyAge("k1", time.Hour)
	h := m.Instrument("token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/token", nil))
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`latchkey_http_requests_total{endpoint="token",status="400"} 1`,
		`latchkey_http_request_duration_seconds_count{endpoint="token"} 1`,
		`latchkey_tokens_issued_total{client="app",grant="client_credentials"} 1`,
		`latchkey_failures_total{reason="bad_password",type="login.failed"} 1`,
		`latchkey_ratelimit_hits_total{client="app"} 1`,
		`latchkey_audit_events_total{outcome="success",type="token.issued"} 1`,
		`latchkey_signing_key_age_seconds{kid="k1"} 3600`,
		`latchkey_active_sessions 3`,
		`latchkey_audit_recorded_total 9`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestTimelineSeries(t *testing.T) {
	now := t0
	tl := NewTimeline(func() time.Time { return now })
	tl.Observe(audit.Event{Time: t0.Add(-25 * time.Second), Type: audit.TokenIssued, Outcome: audit.Success})
	tl.Observe(audit.Event{Time: t0.Add(-21 * time.Second), Type: audit.TokenIssued, Outcome: audit.Success})
	tl.Observe(audit.Event{Time: t0.Add(-2 * time.Hour), Type: audit.TokenIssued, Outcome: audit.Success})
	tl.Observe(audit.Event{Time: t0, Type: audit.GatewayDenied, Outcome: audit.Failure})
	tl.Add(SeriesGatewayTraffic, t0, 5)
	hour := tl.Series(SeriesTokensIssued, LastHour)
	if len(hour) != 360 || !hour[359].Time.Equal(t0) || hour[356].Value != 2 || sum(hour) != 2 {
		t.Fatalf("hour series: len %d last %v [357]=%v sum %v", len(hour), hour[359].Time, hour[356].Value, sum(hour))
	}
	day := tl.Series(SeriesTokensIssued, LastDay)
	if len(day) != 288 || sum(day) != 3 || day[286].Value != 2 {
		t.Fatalf("day series sum %v", sum(day))
	}
	if s := tl.Series(SeriesFailures, LastHour); s[359].Value != 1 {
		t.Fatalf("failures %v", s[359])
	}
	now = now.Add(2 * time.Hour)
	if s := tl.Series(SeriesTokensIssued, LastHour); sum(s) != 0 {
		t.Fatal("stale buckets reported")
	}
	if s := tl.Series(SeriesGatewayTraffic, LastDay); sum(s) != 5 {
		t.Fatal("gateway traffic lost")
	}
}

func sum(ps []Point) (n float64) {
	for _, p := range ps {
		n += p.Value
	}
	return n
}
