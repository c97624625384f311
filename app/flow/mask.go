package flow

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// secretFields are the form and JSON fields whose values are secrets.
var secretFields = map[string]bool{
	"client_secret": true, "code_verifier": true, "code": true, "access_token": true,
	"refresh_token": true, "id_token": true, "token": true, "subject_token": true,
	"actor_token": true, "device_code": true, "assertion": true, "client_assertion": true,
	"password": true, "issued_token": true,
}

// secretHeaders are request and response headers masked whole; the
// Authorization header keeps its scheme.
var secretHeaders = []string{"Cookie", "Set-Cookie", "Dpop", "Proxy-Authorization"}

// masker replaces every secret it has been told about, wherever it
// appears, with Mask of it, unless reveal is set.
type masker struct {
	reveal  bool
	secrets map[string]bool
}

func newMasker(reveal bool) *masker { return &masker{reveal: reveal, secrets: map[string]bool{}} }

// Mask shows a secret as a short prefix, an ellipsis and its length, e.g.
// "eyJhbGci…(812)": enough to tell tokens apart, not enough to use one.
func Mask(s string) string {
	p := len(s) / 4
	if p > 8 {
		p = 8
	}
	return s[:p] + "…(" + strconv.Itoa(len(s)) + ")"
}

// add registers secrets; values shorter than 3 bytes are ignored.
func (m *masker) add(values ...string) {
	for _, v := range values {
		if len(v) >= 3 {
			m.secrets[v] = true
		}
	}
}

// addForm registers the secret fields of a form body.
func (m *masker) addForm(body string) {
	q, err := url.ParseQuery(body)
	if err != nil {
		return
	}
	for k, vs := range q {
		if secretFields[k] {
			m.add(vs...)
		}
	}
}

// addJSON registers the secret string fields of a JSON object body.
func (m *masker) addJSON(body []byte) {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return
	}
	for k, v := range obj {
		if s, ok := v.(string); ok && secretFields[k] {
			m.add(s)
		}
	}
}

// text masks every registered secret in s, raw and URL-encoded, longest
// first so a secret containing another is masked whole.
func (m *masker) text(s string) string {
	if m.reveal || s == "" {
		return s
	}
	keys := make([]string, 0, len(m.secrets))
	for k := range m.secrets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, Mask(k))
		if e := url.QueryEscape(k); e != k {
			s = strings.ReplaceAll(s, e, Mask(k))
		}
	}
	return s
}

// value masks one secret value.
func (m *masker) value(s string) string {
	if m.reveal || s == "" {
		return s
	}
	return Mask(s)
}

// header returns a masked copy of h: Authorization keeps its scheme and
// masks its credentials, cookies and proofs are masked whole, and every
// other value has registered secrets masked.
func (m *masker) header(h http.Header) http.Header {
	out := h.Clone()
	if m.reveal {
		return out
	}
	for k, vs := range out {
		for i, v := range vs {
			vs[i] = m.text(v)
		}
		out[k] = vs
	}
	for _, k := range secretHeaders {
		for i, v := range h.Values(k) {
			out[http.CanonicalHeaderKey(k)][i] = Mask(v)
		}
	}
	for i, v := range h.Values("Authorization") {
		scheme, cred, ok := strings.Cut(v, " ")
		if ok {
			out["Authorization"][i] = scheme + " " + Mask(cred)
		} else {
			out["Authorization"][i] = Mask(v)
		}
	}
	return out
}
