package app

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"reflect"
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
	// Locality decides which requests come from this machine (loopback,
	// not through a proxy); nil: NewLocality(issuer, nil).
	Locality *Locality
	Logger   zerolog.Logger
}

// Handler serves the console under /console/: the built frontend, its
// login parameters at GET /console/api/config, and the App's methods as
// POST /console/api/<Method> with a JSON array of arguments, answering
// {"result": …} or {"error": "…"}.
//
// Every call needs a credential: the CLI's admin token (from the data
// directory, from this machine only), or an access token of the console
// client with the latchkey:admin scope held by an administrator, its
// DPoP or certificate binding honoured (over loopback, TLS or a trusted
// proxy). Without one, only CreateFirstAdmin answers, from this machine
// on a loopback issuer, while first run is not over. The Host must be
// allowed (no DNS rebinding), and a browser request must be same-origin
// (the JSON content type forces a CORS preflight, which is never granted).
func Handler(a *App, cfg ConsoleConfig) http.Handler {
	if cfg.Locality == nil {
		cfg.Locality = NewLocality(a.info.Issuer, nil)
	}
	d := NewDispatcher(a)
	mux := http.NewServeMux()
	mux.Handle("POST /console/api/{method}", apiHandler(a, d, cfg))
	mux.HandleFunc("GET /console/api/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.consoleConfig(r, cfg.Locality))
	})
	mux.Handle("GET /console/", staticHandler(cfg.Assets))
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusSeeOther))
	return mux
}

func apiHandler(a *App, d *Dispatcher, cfg ConsoleConfig) http.Handler {
	hosts := map[string]bool{}
	for _, h := range cfg.Hosts {
		hosts[strings.ToLower(h)] = true
	}
	recv := func(x *App) reflect.Value { return reflect.ValueOf(x) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !hosts[strings.ToLower(r.Host)] {
			writeAPIError(w, http.StatusMisdirectedRequest, "unexpected Host")
			return
		}
		if !sameOrigin(r) {
			writeAPIError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeAPIError(w, http.StatusUnsupportedMediaType, "use Content-Type: application/json")
			return
		}
		method := r.PathValue("method")
		who, tok, ref := a.authenticate(r, cfg, method)
		if ref != nil {
			if ref.challenge != "" {
				w.Header().Set("WWW-Authenticate", ref.challenge)
			}
			writeAPIError(w, ref.status, ref.msg)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
		if err != nil {
			writeAPIError(w, http.StatusRequestEntityTooLarge, "request too large")
			return
		}
		result, err := d.call(recv(a.as(who).withToken(tok).within(r.Context())), method, body)
		if err != nil {
			status, msg, public := publicError(err)
			if !public {
				zerolog.Ctx(r.Context()).Error().Err(err).Str("method", method).Msg("app: console call failed")
				msg = internalMessage(r.Context())
			}
			writeAPIError(w, status, msg)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"result": result})
	})
}

// authenticate names the caller, with the access token it used, or says
// why it is refused.
func (a *App) authenticate(r *http.Request, cfg ConsoleConfig, method string) (string, *consoleToken, *refusal) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	isBearer, isDPoP := strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "DPoP")
	switch {
	case isBearer && cfg.AdminToken != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(cfg.AdminToken)) == 1:
		if !cfg.Locality.Local(r) {
			return "", nil, &refusal{status: http.StatusForbidden, msg: "the admin token works only from this machine, not through a proxy"}
		}
		return "cli", nil, nil
	case isBearer || isDPoP:
		if !cfg.Locality.SecureHop(r) {
			return "", nil, &refusal{status: http.StatusForbidden, msg: "the admin API answers other machines only over TLS"}
		}
		return a.adminFromToken(r, strings.TrimSpace(cred), isDPoP)
	case method == "CreateFirstAdmin" && cfg.Locality.FirstRun(r):
		return "first-run", nil, nil
	}
	return "", nil, &refusal{http.StatusUnauthorized, "login required", bearerChallenge}
}

// sameOrigin refuses browser requests from another site.
func sameOrigin(r *http.Request) bool {
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
