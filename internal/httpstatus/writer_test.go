package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriter(t *testing.T) {
	cases := []struct {
		name       string
		handler    func(w http.ResponseWriter)
		status     int // what Writer reports
		size       int
		wireStatus int // what the client got
	}{
		{"nothing written", func(http.ResponseWriter) {}, 0, 0, 200},
		{"body only", func(w http.ResponseWriter) { _, _ = w.Write([]byte("hello")) }, 200, 5, 200},
		{"status then body", func(w http.ResponseWriter) {
			w.WriteHeader(404)
			_, _ = w.Write([]byte("no"))
		}, 404, 2, 404},
		{"second status ignored", func(w http.ResponseWriter) { w.WriteHeader(502); w.WriteHeader(200) }, 502, 0, 502},
		{"early hints then answer", func(w http.ResponseWriter) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(201)
		}, 201, 0, 201},
		{"two bodies", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte("ab"))
			_, _ = w.Write([]byte("cde"))
		}, 200, 5, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := make(chan *Writer, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				sw := &Writer{ResponseWriter: w}
				c.handler(sw)
				seen <- sw
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			sw := <-seen
			if sw.Status() != c.status || sw.Size() != c.size || resp.StatusCode != c.wireStatus {
				t.Fatalf("status %d size %d wire %d, want %d %d %d", sw.Status(), sw.Size(), resp.StatusCode, c.status, c.size, c.wireStatus)
			}
		})
	}
}

// TestWriterUnwrap: http.ResponseController reaches the writer below, so
// Flush works through the wrapper (the gateway streams responses).
func TestWriterUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := http.NewResponseController(&Writer{ResponseWriter: rec}).Flush(); err != nil || !rec.Flushed {
		t.Fatalf("flush through Writer: %v, flushed %v", err, rec.Flushed)
	}
}
