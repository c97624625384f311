package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ScalePoint is the scale figures at one count of live records.
type ScalePoint struct {
	Records    int
	StoreBytes int64   // the store's size on disk with those records
	Populate   float64 // seconds the fill took
	// RSS is the median of the server's VmRSS sampled while the figures
	// ran (RSSAnon and RSSFile of that sample: anonymous memory, and
	// mapped files such as the binary and Badger's tables); RSSPeak the
	// largest sample, RSSEnd the one after the figures. One sample after
	// the figures read 1.04x to 1.63x between 10^4 and 10^6 records for
	// the same binary (session 10): it catches Go's scavenger part way
	// through returning the heap of the compaction a restart at 10^6
	// records starts, and the memtables at whatever fill they reached.
	RSS, RSSAnon, RSSFile int64
	RSSPeak, RSSEnd       int64
	CC                    Figure // client_credentials, c=8
	Intro                 Figure // introspection, c=8
	Revoke                Figure // revocation, c=8
}

// scale fills one data directory to each size in turn (populate mode,
// server stopped) and measures client_credentials, introspection and
// revocation on it. With Config.ScaleData, a size filled before is
// copied from there instead, and a new fill is kept there.
func (r *runner) scale(ctx context.Context) error {
	cache := scaleCache(r.cfg.ScaleData)
	r.data = filepath.Join(r.cfg.Work, "scale", "data")
	have := 0
	for _, n := range r.cfg.Sizes {
		kept, ok, err := cache.load(ctx, n, r.data)
		if err != nil {
			return err
		}
		pr, how := kept.Populate, "copied from "+cache.entry(n)
		if ok {
			r.fx = kept.Fixture
		} else {
			if have == 0 {
				if err := r.freshData(ctx, "scale"); err != nil {
					return err
				}
			}
			if pr, err = r.populate(ctx, have, n); err != nil {
				return err
			}
			how = fmt.Sprintf("filled in %.1f s", pr.Seconds)
			if err := cache.save(ctx, n, r.data, cachedFill{Fixture: r.fx, Populate: pr}); err != nil {
				return err
			}
		}
		have = n
		fmt.Fprintf(r.cfg.Progress, "  %d live records: store %.1f MB on disk, %s\n", n, mb(pr.StoreBytes), how)
		pt, err := r.scalePoint(ctx, n)
		if err != nil {
			return err
		}
		pt.StoreBytes, pt.Populate = pr.StoreBytes, pr.Seconds
		r.res.Scale = append(r.res.Scale, pt)
	}
	return nil
}

func (r *runner) scalePoint(ctx context.Context, n int) (ScalePoint, error) {
	pt := ScalePoint{Records: n}
	srv, err := r.start(ctx)
	if err != nil {
		return pt, err
	}
	defer r.stop(srv)
	tokens, err := MintAccessTokens(ctx, srv.URL, r.fx.CC, ccScope, 1000, 8)
	if err != nil {
		return pt, err
	}
	stop := sampleMemory(srv.Memory, 250*time.Millisecond)
	label := fmt.Sprintf(" @%s records", count(n))
	loads := []struct {
		f *Figure
		l Load
	}{
		{&pt.CC, r.ccWrk("client_credentials"+label, srv.URL+"/token", r.fx.CC, 8)},
		{&pt.Intro, r.introWrk("introspection"+label, srv.URL+"/introspect", r.fx.CC, tokens, 8)},
		{&pt.Revoke, func() Load { l := r.revokeLoad(srv.URL); l.Name += label; return l }()},
	}
	for _, x := range loads {
		if *x.f, err = Measure(ctx, r.cfg.Plan, x.l, r.cfg.Progress); err != nil {
			stop()
			return pt, err
		}
	}
	samples := stop()
	end, err := srv.Memory()
	if err != nil {
		return pt, err
	}
	med, peak := summarizeMemory(append(samples, end))
	pt.RSS, pt.RSSAnon, pt.RSSFile, pt.RSSPeak, pt.RSSEnd = med.RSS, med.Anon, med.File, peak, end.RSS
	return pt, nil
}

// sampleMemory reads memory every interval until the returned function
// is called, which returns the samples read.
func sampleMemory(memory func() (Memory, error), interval time.Duration) func() []Memory {
	done, out := make(chan struct{}), make(chan []Memory, 1)
	go func() {
		var got []Memory
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				out <- got
				return
			case <-t.C:
				if m, err := memory(); err == nil {
					got = append(got, m)
				}
			}
		}
	}()
	return sync.OnceValue(func() []Memory { close(done); return <-out })
}

// summarizeMemory returns the sample of median RSS and the largest RSS.
func summarizeMemory(samples []Memory) (median Memory, peak int64) {
	if len(samples) == 0 {
		return Memory{}, 0
	}
	s := slices.Clone(samples)
	slices.SortFunc(s, func(a, b Memory) int { return cmp.Compare(a.RSS, b.RSS) })
	return s[len(s)/2], s[len(s)-1].RSS
}

// populate runs lkbench in populate mode, on every core, while no server
// holds the data directory.
func (r *runner) populate(ctx context.Context, from, to int) (PopulateResult, error) {
	var pr PopulateResult
	self, err := selfPath()
	if err != nil {
		return pr, err
	}
	cpus := "0-" + strconv.Itoa(runtime.NumCPU()-1)
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpus, self, "-child", ChildPopulate, "-data", r.data,
		"-client", r.fx.Web.ID, "-from", strconv.Itoa(from), "-to", strconv.Itoa(to))
	cmd.Env = childEnv(0)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return pr, fmt.Errorf("bench: populate: %v: %s", err, errb.String())
	}
	err = json.Unmarshal(out.Bytes(), &pr)
	return pr, err
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// count writes 10000 as 10^4 and other numbers as they are.
func count(n int) string {
	e := 0
	for m := n; m >= 10 && m%10 == 0; m /= 10 {
		e++
	}
	if e >= 3 && n == pow10(e) {
		return "10^" + strconv.Itoa(e)
	}
	return strconv.Itoa(n)
}

func pow10(e int) int {
	n := 1
	for ; e > 0; e-- {
		n *= 10
	}
	return n
}
