package monitor

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The per-code counters an endpoint keeps count in the vector's series,
// every code its own, repeated codes on the same series, and codes past
// the table's range still counted.
func TestCodeCountersCountInTheVector(t *testing.T) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_total"}, []string{"endpoint", "status"})
	reg := prometheus.NewRegistry()
	reg.MustRegister(vec)
	c := &codeCounters{vec: vec, endpoint: "token"}
	for _, code := range []int{200, 200, 400, 200, 503, 999, 999, -1} {
		c.inc(code)
	}
	fams, err := reg.Gather()
	if err != nil || len(fams) != 1 {
		t.Fatalf("%v %d", err, len(fams))
	}
	got := map[string]float64{}
	for _, m := range fams[0].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "status" {
				got[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{"200": 3, "400": 1, "503": 1, "999": 2, "-1": 1}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for status, n := range want {
		if got[status] != n {
			t.Errorf("status %s: %v, want %v", status, got[status], n)
		}
	}
}
