package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	for _, tc := range []struct {
		name, out      string
		ops, errs      int
		p50, p99       time.Duration
		elapsed        time.Duration
		wantErr, first bool
	}{
		{name: "clean", out: "Running 1s test\nLKBENCH 5000 1000000 0 0 150 900\n", ops: 5000, p50: 150 * time.Microsecond, p99: 900 * time.Microsecond, elapsed: time.Second},
		{name: "status errors are not operations", out: "LKBENCH 100 2000000 2 10 100 200\n", ops: 90, errs: 12, p50: 100 * time.Microsecond, p99: 200 * time.Microsecond, elapsed: 2 * time.Second, first: true},
		{name: "no summary", out: "unable to connect to 127.0.0.1:1\n", wantErr: true},
		{name: "garbage", out: "LKBENCH a b c d e f\n", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseWrk([]byte(tc.out))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if s.Ops != tc.ops || s.Errors != tc.errs || s.P50 != tc.p50 || s.P99 != tc.p99 || s.Elapsed != tc.elapsed || (s.FirstErr != nil) != tc.first {
				t.Fatalf("got %+v", s)
			}
		})
	}
}

// TestDriveWrk runs the real wrk against a handler that checks what the
// script sends: the method, the client's Basic credentials and one of the
// bodies.
func TestDriveWrk(t *testing.T) {
	cred := Credentials{ID: "c1", Secret: "s3cret"}
	var good, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		_ = r.ParseForm()
		tok := r.PostForm.Get("token")
		if r.Method != http.MethodPost || id != "c1" || secret != "s3cret" || (tok != "a" && tok != "b") {
			bad.Add(1)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		good.Add(1)
		_, _ = w.Write([]byte(`{"active":true}`))
	}))
	defer srv.Close()
	w := Wrk{URL: srv.URL + "/introspect", Cred: cred, Bodies: []url.Values{{"token": {"a"}}, {"token": {"b"}}}, Dir: t.TempDir()}
	s, cpu := DriveWrk(context.Background(), w, 4, time.Second)
	if s.FirstErr != nil || s.Errors != 0 || bad.Load() != 0 {
		t.Fatalf("errors: %+v (server saw %d bad requests)", s, bad.Load())
	}
	if s.Ops < 100 || int64(s.Ops) > good.Load() || s.P50 <= 0 || s.P99 < s.P50 || s.Elapsed < 900*time.Millisecond {
		t.Fatalf("sample %+v, server saw %d good requests", s, good.Load())
	}
	if cpu <= 0 {
		t.Fatalf("wrk's CPU time not read: %v", cpu)
	}

	// A server that refuses every request: every answer is an error.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer refuse.Close()
	w.URL = refuse.URL
	s, _ = DriveWrk(context.Background(), w, 2, time.Second)
	if s.Ops != 0 || s.Errors == 0 || s.FirstErr == nil || !strings.Contains(s.FirstErr.Error(), "not 2xx") {
		t.Fatalf("refusing server: %+v", s)
	}
}
