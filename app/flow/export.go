package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// JSON returns the trace as indented JSON. Secrets are as recorded:
// masked unless the run revealed them.
// URLs and bodies are kept readable (no HTML escaping of &, < and >).
func (t *Trace) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("flow: encoding the trace: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// curlSkip are request headers curl sets itself or that add nothing.
var curlSkip = map[string]bool{"Content-Length": true, "User-Agent": true, "Accept-Encoding": true}

// Curl returns the trace as a shell script of curl commands, one per HTTP
// step, with the browser steps as comments. Masked secrets stay masked, so
// a masked script documents the run; only a revealed one replays it
// (codes and refresh tokens are single use, so even then some steps fail
// by design).
func (t *Trace) Curl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# Latchkey flow tester: %s against %s, client %s\n", t.Flow, t.Issuer, t.ClientID)
	if t.ExternalIssuer != "" {
		fmt.Fprintf(&b, "# External OpenID provider: %s, client %s\n", t.ExternalIssuer, t.ExternalClientID)
	}
	if !t.Revealed {
		b.WriteString("# Secrets are masked (prefix…(length)); run with secrets revealed to replay.\n")
	}
	for i, s := range t.Steps {
		fmt.Fprintf(&b, "\n# %d. %s\n", i+1, s.Name)
		switch {
		case s.Kind == KindBrowser && s.Request != nil:
			fmt.Fprintf(&b, "# open in a browser:\n#   %s\n", s.Request.URL)
		case s.Kind == KindRedirect && s.Request != nil:
			fmt.Fprintf(&b, "# the browser was redirected to:\n#   %s\n", s.Request.URL)
		case s.Request != nil:
			b.WriteString(curlCommand(s.Request))
		}
	}
	return b.String()
}

// curlCommand renders one request.
func curlCommand(r *Request) string {
	var b strings.Builder
	b.WriteString("curl -sS -i")
	if r.Method != http.MethodGet || r.Body != "" {
		b.WriteString(" -X " + r.Method)
	}
	b.WriteString(" " + shellQuote(r.URL))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		if !curlSkip[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			b.WriteString(" \\\n  -H " + shellQuote(k+": "+v))
		}
	}
	if r.Body != "" {
		b.WriteString(" \\\n  --data-raw " + shellQuote(r.Body))
	}
	b.WriteString("\n")
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
