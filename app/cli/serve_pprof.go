package cli

import (
	"flag"
	"net/http"
	"net/http/pprof"
	"runtime"

	"github.com/latchkey/latchkey/app"
)

// registerDebug adds --pprof.
func (f *serveFlags) registerDebug(fs *flag.FlagSet) {
	fs.BoolVar(&f.pprof, "pprof", false, "serve Go's profiles under /debug/pprof/ (CPU, heap, mutex, block, execution trace) to this machine only, for diagnosing latency; off by default")
}

// mountPprof serves net/http/pprof under /debug/pprof/ on root when on,
// to local requests only (the same rule as /metrics): profiles show
// addresses, goroutine stacks and timings, never to the network. It also
// turns on the mutex and block profiles, which cost nothing until on.
func mountPprof(root *http.ServeMux, loc *app.Locality, on bool) {
	if !on {
		return
	}
	setContentionProfiles()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	root.Handle("/debug/pprof/", localOnly(loc, mux))
}

// setContentionProfiles samples one in five mutex contentions and blocking
// events of 10 µs or more: enough to find a lock that holds up requests,
// cheap enough to leave on while --pprof is.
func setContentionProfiles() {
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(10_000)
}
