package gcfloor

import (
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 64 << 20, 100},         // nothing measured yet
		{8 << 20, 64 << 20, 800},   // next collection at 72 MiB
		{16 << 20, 64 << 20, 400},  // at 80 MiB
		{40 << 20, 64 << 20, 160},  // at 104 MiB
		{64 << 20, 64 << 20, 100},  // as GOGC=100
		{300 << 20, 64 << 20, 100}, // a large live heap: as GOGC=100
	} {
		if got := percent(tc.live, tc.headroom); got != tc.want {
			t.Errorf("percent(%d MiB, %d MiB) = %d, want %d", tc.live>>20, tc.headroom>>20, got, tc.want)
		}
	}
}

// TestTuneSkipsSmallChanges: GOGC is set when the heap moved enough to
// matter, and back to 100 when the live heap outgrows the headroom.
func TestTuneSkipsSmallChanges(t *testing.T) {
	live := uint64(16 << 20)
	var sets []int
	tu := &tuner{headroom: 64 << 20, live: func() uint64 { return live }, current: basePercent,
		set: func(p int) int { sets = append(sets, p); return 0 }}
	tu.tune() // 400
	live = 16<<20 + 1<<19
	tu.tune() // 387: within 5% of 400, not set
	live = 32 << 20
	tu.tune() // 200
	live = 200 << 20
	tu.tune() // 100
	if want := []int{400, 200, 100}; !equal(sets, want) {
		t.Errorf("GOGC set to %v, want %v", sets, want)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStartRaisesGOGC: in this process (a live heap of a few MiB) the
// runtime's own GOGC goes above 100 after a collection or two, and a
// second Start changes nothing.
func TestStartRaisesGOGC(t *testing.T) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		if got := Start(DefaultHeadroom); got != "GOGC="+v+" from the environment" {
			t.Fatalf("Start with GOGC=%s in the environment: %q", v, got)
		}
		os.Unsetenv("GOGC")
		defer os.Setenv("GOGC", v)
	}
	if got := Start(DefaultHeadroom); got != "GOGC tuned for at least 64 MiB between collections" {
		t.Fatalf("Start: %q", got)
	}
	if got := Start(DefaultHeadroom); got != "already tuned" {
		t.Fatalf("second Start: %q", got)
	}
	// The runtime's GOGC follows the live heap after each collection.
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer goroutine runs
		want := percent(liveHeap(), DefaultHeadroom)
		if got := gogc(); got >= want*9/10 && got <= want*11/10 && got > 100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d, want about %d for a live heap of %d bytes", gogc(), want, liveHeap())
		}
	}
}

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}
