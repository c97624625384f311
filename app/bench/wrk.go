package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Wrk is a load driven by wrk (Debian's package) instead of lkbench's own
// goroutines: one wrk thread with Conc connections on the load core,
// posting a form to one URL. wrk is the load generator the issue's
// comparison with node-oidc-provider used; it is written in C, so its own
// garbage and scheduling add nothing to the server's tail, and the same
// generator drives Latchkey and the reference server.
type Wrk struct {
	URL    string
	Cred   Credentials
	Bodies []url.Values // one is picked at random per request
	Dir    string       // where the Lua script is written
}

// wrkScript is the Lua script: POST a random one of the bodies with the
// client's Basic credentials, and print one machine-readable summary
// line at the end (latencies in µs).
const wrkScript = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = %q
local bodies = {%s}
request = function()
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format("LKBENCH %%d %%d %%d %%d %%d %%d\n", s.requests, s.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
`

// script writes the Lua script and returns its path.
func (w Wrk) script() (string, error) {
	var bodies []string
	for _, b := range w.Bodies {
		bodies = append(bodies, strconv.Quote(b.Encode()))
	}
	f, err := os.CreateTemp(w.Dir, "wrk-*.lua")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, wrkScript, w.Cred.basic(), strings.Join(bodies, ",\n  "))
	return f.Name(), err
}

// DriveWrk runs wrk for d with conc connections and returns its sample;
// genCPU is the CPU time wrk used (its rusage), so that the load core's
// figures count it as the load generator's, not as interference.
func DriveWrk(ctx context.Context, w Wrk, conc int, d time.Duration) (s Sample, genCPU time.Duration) {
	script, err := w.script()
	if err != nil {
		s.Errors, s.FirstErr = 1, err
		return s, 0
	}
	defer os.Remove(script)
	secs := max(1, int((d+time.Second/2)/time.Second))
	cmd := exec.CommandContext(ctx, "wrk", "-t1", "-c"+strconv.Itoa(conc), "-d"+strconv.Itoa(secs)+"s",
		"--timeout", "10s", "-s", script, w.URL)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		s.Errors, s.FirstErr = 1, fmt.Errorf("wrk: %v: %s", err, strings.TrimSpace(errOut.String()))
		return s, 0
	}
	if ps := cmd.ProcessState; ps != nil {
		genCPU = ps.UserTime() + ps.SystemTime()
	}
	s, err = parseWrk(out.Bytes())
	if err != nil {
		s.Errors, s.FirstErr = max(s.Errors, 1), err
	}
	return s, genCPU
}

// parseWrk reads the summary line the script prints.
func parseWrk(out []byte) (Sample, error) {
	var s Sample
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 7 || f[0] != "LKBENCH" {
			continue
		}
		var v [6]int64
		for i := range v {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return s, fmt.Errorf("wrk: summary %q: %w", sc.Text(), err)
			}
			v[i] = n
		}
		bad := int(v[2] + v[3])
		s.Ops = int(v[0]) - int(v[3])
		s.Errors = bad
		if bad > 0 {
			s.FirstErr = fmt.Errorf("wrk: %d socket errors, %d answers not 2xx/3xx", v[2], v[3])
		}
		s.Elapsed = time.Duration(v[1]) * time.Microsecond
		s.P50, s.P99 = time.Duration(v[4])*time.Microsecond, time.Duration(v[5])*time.Microsecond
		return s, nil
	}
	return s, fmt.Errorf("wrk: no summary in its output: %q", truncate(out))
}
