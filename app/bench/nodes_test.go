package bench

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseNodes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		bad  bool
	}{
		{in: "", want: nil},
		{in: "1,2,3", want: []int{1, 2, 3}},
		{in: " 2 , 3,", want: []int{2, 3}},
		{in: "0", bad: true},
		{in: "10", bad: true},
		{in: "1,x", bad: true},
	} {
		got, err := ParseNodes(tc.in)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("ParseNodes(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// TestSpreadOverNodes drives the client_credentials op of three "nodes"
// through Spread for a moment: every node gets requests without error,
// and the report says the figure is per server core, against one node.
func TestSpreadOverNodes(t *testing.T) {
	var hits [3]atomic.Int64
	bases := make([]string, 3)
	ops := make([]Op, 3)
	for i := range bases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id, _, _ := r.BasicAuth(); id != "svc" || r.URL.Path != "/token" {
				http.Error(w, "bad", http.StatusBadRequest)
				return
			}
			hits[i].Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":60}`))
		}))
		defer srv.Close()
		bases[i] = srv.URL
		ops[i] = ClientCredentials(srv.URL, Credentials{ID: "svc", Secret: "s"}, ccScope)
	}
	hc := NewHTTPClient(6)
	defer hc.CloseIdleConnections()
	s := Drive(context.Background(), hc, 6, 200*time.Millisecond, Spread(ops), nil)
	if s.Errors > 0 || s.Ops == 0 {
		t.Fatalf("%d ops, %d errors: %v", s.Ops, s.Errors, s.FirstErr)
	}
	for i := range hits {
		if hits[i].Load() == 0 {
			t.Errorf("node %d got no request", i)
		}
	}

	res := &Results{Figures: map[string]Figure{}}
	for _, n := range []int{1, 2} {
		k := NodesKey(n, KeyCC+"8")
		res.Figures[k] = Figure{Name: "client_credentials (ES256), n node(s)", Conc: 8 * n, Rate: 100 * float64(n), LimitRate: 100, Limit: "1 node, same figure"}
		res.Order = append(res.Order, k)
	}
	var out bytes.Buffer
	Print(&out, res, "lkbench -nodes 1,2")
	if !strings.Contains(out.String(), "per server core") || !strings.Contains(out.String(), "2.00 of 1 node") {
		t.Fatalf("report:\n%s", out.String())
	}
}
