package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readCounter is a request body of n bytes of form data that counts how
// many bytes the gateway read from it.
type readCounter struct {
	n, read int64
	prefix  []byte
}

func newReadCounter(n int64, prefix string) *readCounter {
	return &readCounter{n: n, prefix: []byte(prefix)}
}

func (c *readCounter) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	if int64(len(p)) > c.n-c.read {
		p = p[:c.n-c.read]
	}
	for i := range p {
		if off := c.read + int64(i); off < int64(len(c.prefix)) {
			p[i] = c.prefix[off]
		} else {
			p[i] = 'x'
		}
	}
	c.read += int64(len(p))
	return len(p), nil
}

func (c *readCounter) Close() error { return nil }

// formRequest is a POST of a form body from body, of length n (-1: not
// announced, as with chunked encoding).
func formRequest(target, auth string, body io.ReadCloser, n int64) *http.Request {
	r := httptest.NewRequest("POST", target, nil)
	r.Body, r.ContentLength = body, n
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

// On a route without form tokens (the default) the gateway never reads a
// request body before the request is authorised: an unauthenticated 9.5
// MB form costs it nothing (issue 17: 40 of them took RSS from 86 to 929
// MB), whatever the body says.
func TestGatewayAttackBodyNotReadBeforeAuth(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.MaxBodyBytes = 16 << 20 })
	valid := e.iss.token(e.clk.Now(), nil)
	const size = 9_500_000
	for _, tc := range []struct {
		name, auth string
		length     int64
		status     int
	}{
		{"no Authorization", "", size, 401},
		{"no Authorization, length not announced", "", -1, 401},
		{"Basic scheme", "Basic YzE6cw==", size, 401},
		{"invalid token", bearer("eyJ.bad.token"), size, 401},
		{"token in the body only", "", size, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := newReadCounter(size, "access_token="+valid+"&a=")
			w := httptest.NewRecorder()
			e.gw.ServeHTTP(w, formRequest("/api/x", tc.auth, body, tc.length))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if body.read != 0 {
				t.Fatalf("the gateway read %d bytes of an unauthorised body", body.read)
			}
		})
	}
}

// A route with form_tokens takes the token from a small form (RFC 6750
// §2.2) and cuts it out of the body the upstream gets; it refuses two
// methods at once, two tokens, and a form over MaxFormTokenBytes that
// would carry the token, having read at most that much of it. A large
// form with the token in the header passes whole.
func TestGatewayFormTokens(t *testing.T) {
	var got atomic.Pointer[[]byte]
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(&b)
	}))
	defer up.Close()
	e := newEnv(t, func(string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up.URL, FormTokens: true}}
	}, nil)
	valid := e.iss.token(e.clk.Now(), nil)
	do := func(method, auth, body string, length int64) (*httptest.ResponseRecorder, *readCounter) {
		rc := newReadCounter(int64(len(body)), body)
		if length > int64(len(body)) {
			rc = newReadCounter(length, body)
		}
		r := formRequest("/api/x", auth, rc, length)
		r.Method = method
		w := httptest.NewRecorder()
		e.gw.ServeHTTP(w, r)
		return w, rc
	}
	form := "a=1&access_token=" + valid + "&b=2"
	w, _ := do("POST", "", form, int64(len(form)))
	if w.Code != 200 || string(*got.Load()) != "a=1&b=2" {
		t.Fatalf("token in the form: %d %s; upstream got %q", w.Code, w.Body, *got.Load())
	}
	w, _ = do("POST", "", form, -1)
	if w.Code != 200 || string(*got.Load()) != "a=1&b=2" {
		t.Fatalf("token in a form of unannounced length: %d %s", w.Code, w.Body)
	}
	for _, tc := range []struct {
		name, method, auth, body string
		length                   int64
		status                   int
		maxRead                  int64
	}{
		{"header and form", "POST", bearer(valid), form, int64(len(form)), 400, MaxFormTokenBytes + 1},
		{"two form tokens", "POST", "", form + "&access_token=" + valid, -1, 400, MaxFormTokenBytes + 1},
		{"empty form token", "POST", "", "access_token=&a=1", -1, 401, MaxFormTokenBytes + 1},
		{"GET with a form", "GET", "", form, int64(len(form)), 401, 0},
		{"form over the bound, announced", "POST", "", form, 9_500_000, 413, 0},
		{"form over the bound, not announced", "POST", "", form, -9_500_000, 413, MaxFormTokenBytes + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			length := tc.length
			rc := newReadCounter(int64(len(tc.body)), tc.body)
			if length < -1 {
				rc, length = newReadCounter(-length, tc.body), -1
			} else if length > int64(len(tc.body)) {
				rc = newReadCounter(length, tc.body)
			}
			r := formRequest("/api/x", tc.auth, rc, length)
			r.Method = tc.method
			w := httptest.NewRecorder()
			e.gw.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if rc.read > tc.maxRead {
				t.Fatalf("read %d bytes before authorising, want at most %d", rc.read, tc.maxRead)
			}
		})
	}
	big := strings.Repeat("y", 200<<10)
	w, _ = do("POST", bearer(valid), "a="+big, -1)
	if w.Code != 200 || len(*got.Load()) != len(big)+2 {
		t.Fatalf("large form with the header token: %d, upstream got %d bytes", w.Code, len(*got.Load()))
	}
}

// An authorised upload streams: the upstream gets its first bytes while
// the client is still sending (a gateway that buffered the body would
// hold them until the end, and this test would time out waiting).
func TestGatewayStreamsAuthorisedUpload(t *testing.T) {
	started := make(chan struct{})
	var total atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 32<<10)
		once := false
		for {
			n, err := r.Body.Read(buf)
			total.Add(int64(n))
			if n > 0 && !once {
				once = true
				close(started)
			}
			if err != nil {
				return
			}
		}
	}))
	defer up.Close()
	e := newEnv(t, func(string) []Route {
		return []Route{{Name: "api", Prefix: "/api/", Upstream: up.URL}}
	}, func(c *Config) { c.MaxBodyBytes = 16 << 20 })
	gw := httptest.NewServer(e.gw)
	defer gw.Close()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", gw.URL+"/api/upload", pr)
	req.Header.Set("Authorization", bearer(e.iss.token(e.clk.Now(), nil)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	chunk := bytes.Repeat([]byte("z"), 1<<20)
	if _, err := pw.Write(chunk); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		pw.CloseWithError(io.ErrUnexpectedEOF)
		t.Fatal("the upstream got nothing while the client was still sending: the gateway buffers the body")
	}
	for range 8 {
		if _, err := pw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	pw.Close()
	resp := <-done
	if resp == nil || resp.StatusCode != 200 || total.Load() != 9<<20 {
		t.Fatalf("upload: %v, upstream got %d bytes", resp, total.Load())
	}
	resp.Body.Close()
}
