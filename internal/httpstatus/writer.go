// Package httpstatus holds the one http.ResponseWriter wrapper that
// remembers what a handler answered. The access log (authcore/server),
// the request metrics (audit/monitor) and the gateway's upstream
// statistics (authcore/gateway) read it. It imports only the standard
// library, so every layer may use it.
package httpstatus

import "net/http"

// Writer passes everything through to ResponseWriter and remembers the
// final status code and the number of body bytes written.
type Writer struct {
	http.ResponseWriter
	status int
	size   int
}

// WriteHeader records the first final status (an informational 1xx such
// as 103 Early Hints is passed on but is not the answer; 101 Switching
// Protocols is) and passes code on.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes written; a body without a status is a 200.
func (w *Writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the final status sent so far, 0 while the handler has sent
// none (then net/http answers 200 when the handler returns).
func (w *Writer) Status() int { return w.status }

// Size is the number of body bytes written.
func (w *Writer) Size() int { return w.size }
