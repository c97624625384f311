package bench

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestSummarizeMemory: the median sample (all three sizes of it) and the
// largest RSS, whatever the order the samples came in.
func TestSummarizeMemory(t *testing.T) {
	s := []Memory{{RSS: 300, Anon: 200, File: 100}, {RSS: 100, Anon: 60, File: 40}, {RSS: 200, Anon: 150, File: 50},
		{RSS: 900, Anon: 800, File: 100}, {RSS: 250, Anon: 170, File: 80}}
	med, peak := summarizeMemory(s)
	if med != (Memory{RSS: 250, Anon: 170, File: 80}) || peak != 900 {
		t.Errorf("median %+v, peak %d; want the 250 sample and 900", med, peak)
	}
	if s[0].RSS != 300 {
		t.Error("summarizeMemory reordered its argument")
	}
	if med, peak := summarizeMemory(nil); med != (Memory{}) || peak != 0 {
		t.Errorf("no samples: %+v, %d", med, peak)
	}
}

// TestSampleMemory: samples are taken until stop, and stop may be called
// again.
func TestSampleMemory(t *testing.T) {
	var n atomic.Int64
	stop := sampleMemory(func() (Memory, error) { return Memory{RSS: n.Add(1)}, nil }, time.Millisecond)
	for n.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	got := stop()
	if len(got) < 5 {
		t.Fatalf("%d samples, want at least 5", len(got))
	}
	after := n.Load()
	time.Sleep(10 * time.Millisecond)
	if n.Load() != after {
		t.Error("sampling went on after stop")
	}
	if again := stop(); len(again) != len(got) {
		t.Errorf("stop again gave %d samples, want %d", len(again), len(got))
	}
}
