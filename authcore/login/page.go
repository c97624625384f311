package login

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

//go:embed assets
var assets embed.FS

// styleCSS is the one stylesheet, inlined in every page and allowed by
// its hash in the Content-Security-Policy.
var styleCSS = mustRead("assets/style.css")

// pages are the compiled templates by name, each on the shared layout.
var pages = map[string]*template.Template{
	"login":         mustPage("login"),
	"consent":       mustPage("consent"),
	"message":       mustPage("message"),
	"logout":        mustPage("logout"),
	"device":        mustPage("device"), // RFC 8628 verification, device.go
	"mfa":           mustPage("mfa"),    // second factor, mfa_pages.go
	"enroll":        mustPage("enroll"),
	"codes":         mustPage("codes"),
	"account":       mustPage("account"), // account.go
	"account-totp":  mustPage("account_totp"),
	"account-codes": mustPage("account_codes"),
}

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func mustPage(name string) *template.Template {
	return template.Must(template.ParseFS(assets, "assets/layout.html", "assets/"+name+".html"))
}

// csp is the page policy with form-action left for the caller: no
// scripts, no frames, no third-party content, the stylesheet by hash.
var csp = "default-src 'none'; style-src 'sha256-" + hashCSS(styleCSS) +
	"'; img-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func hashCSS(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// pageData is what the templates see. Every field is escaped by
// html/template for its context.
type pageData struct {
	Title      string
	CSS        template.CSS
	CSRF       string
	ReturnTo   string
	ClientName string
	Error      string
	Message    string
	Username   string // login form prefill
	User       string // who is signed in
	Scopes     []scopeView
	Details    []string // consent: authorization_details sentences (RFC 9396)
	SignOut    bool
	Action     string           // logout confirmation: where the form posts
	Hidden     []hiddenField    // logout confirmation: carried parameters
	Providers  []providerButton // login: "Continue with" links (federation.go)
	UserCode   string           // device verification (device.go)
	// SelfRegistered marks a client that registered itself (RFC 7591)
	// on the consent and device pages: nobody reviewed its name.
	SelfRegistered bool
	Link           string // message: a link the user may follow
	LinkText       string
	// Frames are the front-channel logout URIs the signed-out page frames
	// (logout.go), each allowed by its FrameSources entry; Refresh is
	// where the page continues to once they had time to load.
	Frames       []string
	FrameSources []string
	Refresh      string

	Factors  []FactorPrompt // second-factor page (mfa_pages.go)
	Scripts  []string       // its same-origin scripts (passkeys)
	QRCode   template.URL   // enrollment: data:image/png of the key URI
	Secret   string         // enrollment: the key for manual entry
	FactorID string         // enrollment: the factor being confirmed
	Codes    []string       // recovery codes, shown once
	// Nonce allows the page's one script, /login/passkey.js (passkey.go),
	// by a per-response CSP nonce; "" means no script at all.
	Nonce    string
	Passkeys bool         // passkeys are available (login: the passkey button)
	Account  *accountView // the account page (account.go)
}

// hiddenField is one hidden input of the logout confirmation form.
type hiddenField struct{ Name, Value string }

// scopeView is one requested scope on the consent page.
type scopeView struct{ Name, Description string }

// setPageHeaders sets the browser hardening headers of every response,
// redirects included (RFC 9700 §4.16, §4.2.4). formOrigins extend
// form-action beyond 'self': Chrome and Safari check form-action against
// every redirect a form submission leads to, and a login or consent POST
// ends in a 303 to the client's redirect URI.
func setPageHeaders(h http.Header, formOrigins []string) {
	policy := csp
	if len(formOrigins) > 0 {
		policy += " " + strings.Join(formOrigins, " ")
	}
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// render writes page name with status. The page is rendered to a buffer
// first, so a template failure becomes a clean 500.
func (m *Manager) render(w http.ResponseWriter, status int, name string, d pageData, formOrigins []string) {
	d.CSS = template.CSS(styleCSS)
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		m.log.Error().Err(err).Str("page", name).Msg("login: render page")
		setPageHeaders(w.Header(), nil)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header(), formOrigins)
	if len(d.FrameSources) > 0 {
		w.Header().Set("Content-Security-Policy", w.Header().Get("Content-Security-Policy")+
			"; frame-src "+strings.Join(d.FrameSources, " "))
	}
	if extra := pageCSP(d); extra != "" {
		// Duplicate directives: the first wins, so these go in front.
		w.Header().Set("Content-Security-Policy", extra+"; "+w.Header().Get("Content-Security-Policy"))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageCSP is what a page adds to the policy: the enrollment page's QR
// code (a data: image) and the second-factor page's own scripts.
func pageCSP(d pageData) string {
	var out []string
	if d.QRCode != "" {
		out = append(out, "img-src data:")
	}
	switch {
	case d.Nonce != "": // passkey.js on the login and account pages (passkey.go)
		out = append(out, "script-src 'nonce-"+d.Nonce+"'", "connect-src 'self'")
	case len(d.Scripts) > 0:
		out = append(out, "script-src 'self'")
	}
	return strings.Join(out, "; ")
}

// message renders a plain page: an error when status >= 400.
func (m *Manager) message(w http.ResponseWriter, status int, title, text string) {
	d := pageData{Title: title}
	if status >= 400 {
		d.Error = text
	} else {
		d.Message = text
	}
	m.render(w, status, "message", d, nil)
}

// redirect answers 303 See Other to a same-origin path (RFC 9700 §4.12).
// The Location is set verbatim, never rewritten.
func redirect(w http.ResponseWriter, location string) {
	setPageHeaders(w.Header(), nil)
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusSeeOther)
}
