package app

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"github.com/rs/zerolog"
)

// maxAPIBody bounds a console API request.
const maxAPIBody = 1 << 20

// ConsoleConfig configures the console's HTTP side.
type ConsoleConfig struct {
	// Assets is the built frontend (frontend/dist).
	Assets fs.FS
	// Hosts are the Host header values the admin API answers to (the
	// listen address and its loopback aliases); anything else is a DNS
	// rebinding attempt and gets 421.
	Hosts []string
	// AdminToken, when set, lets a caller with
	// "Authorization: Bearer <token>" use the API (the CLI's loopback
	// admin path). It is written to the data directory with 0600.
	AdminToken string
	Logger     zerolog.Logger
}

// Handler serves the console under /console/: the built frontend, and the
// App's methods as POST /console/api/<Method> with a JSON array of
// arguments, answering {"result": …} or {"error": "…"}.
//
// The API answers only to loopback peers with an allowed Host, and only to
// same-origin requests (an Origin header must match the Host; the JSON
// content type forces a CORS preflight, which is never granted) or to a
// caller holding the admin token.
func Handler(a *App, cfg ConsoleConfig) http.Handler {
	d := NewDispatcher(a)
	mux := http.NewServeMux()
	mux.Handle("POST /console/api/{method}", apiHandler(d, cfg))
	mux.Handle("GET /console/", staticHandler(cfg.Assets))
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusSeeOther))
	return mux
}

func apiHandler(d *Dispatcher, cfg ConsoleConfig) http.Handler {
	hosts := map[string]bool{}
	for _, h := range cfg.Hosts {
		hosts[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !isLoopback(r.RemoteAddr) {
			writeAPIError(w, http.StatusForbidden, "the admin API answers only on loopback")
			return
		}
		if !hosts[strings.ToLower(r.Host)] {
			writeAPIError(w, http.StatusMisdirectedRequest, "unexpected Host")
			return
		}
		if !authorized(r, cfg.AdminToken) {
			writeAPIError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeAPIError(w, http.StatusUnsupportedMediaType, "use Content-Type: application/json")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
		if err != nil {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "request too large")
			return
		}
		result, err := d.Call(r.PathValue("method"), body)
		if err != nil {
			status, msg, public := publicError(err)
			log := zerolog.Ctx(r.Context())
			if !public {
				log.Error().Err(err).Str("method", r.PathValue("method")).Msg("app: console call failed")
			}
			writeAPIError(w, status, msg)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"result": result})
	})
}

// authorized accepts the admin token, or a same-origin browser request.
func authorized(r *http.Request, token string) bool {
	if auth := r.Header.Get("Authorization"); auth != "" {
		got, ok := strings.CutPrefix(auth, "Bearer ")
		return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	_, rest, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(rest, r.Host)
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// consoleCSP allows only the console's own scripts, styles and API.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func staticHandler(assets fs.FS) http.Handler {
	files := http.StripPrefix("/console/", http.FileServerFS(assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if _, err := fs.Stat(assets, "index.html"); errors.Is(err, fs.ErrNotExist) {
			h.Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, notBuiltPage)
			return
		}
		if r.URL.Path == "/console/" || r.URL.Path == "/console/index.html" {
			h.Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>Latchkey console</title>
<h1>The console has not been built</h1>
<p>This binary was compiled without the frontend. Run <code>make build</code> and start it again.</p>`
