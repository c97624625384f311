package oauth

import (
	"net/url"
	"testing"
	"time"
)

// docs/security.md REG-03 (d): closed registration needs an initial access
// token: none is 401 with a bare Bearer challenge, a forged, expired or
// spent one 401 invalid_token; a fresh one registers once.
func TestRegisterInitialAccessToken(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Registration = RegistrationConfig{Enabled: true, Rate: 1e9, Burst: 1e9} })
	m := regMeta("https://app.example/cb")
	r := e.register("POST", "/register", m, "")
	if r.status != 401 || r.header.Get("WWW-Authenticate") != `Bearer realm="latchkey"` {
		t.Fatalf("no token: %d %q %s", r.status, r.header.Get("WWW-Authenticate"), r.raw)
	}
	iat, err := e.srv.CreateInitialAccessToken(t.Context(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	invalid := `Bearer realm="latchkey", error="invalid_token"`
	for name, tok := range map[string]string{"forged": iat[:len(iat)-4] + "AAAA", "garbage": "lkr_x.y", "other": "abc"} {
		if r := e.register("POST", "/register", m, tok); r.status != 401 || r.header.Get("WWW-Authenticate") != invalid {
			t.Errorf("%s: %d %q", name, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := e.register("POST", "/register", m, iat); r.status != 201 {
		t.Fatalf("with token: %d %s", r.status, r.raw)
	}
	if r := e.register("POST", "/register", m, iat); r.status != 401 || r.str("error") != CodeInvalidToken {
		t.Fatalf("spent token: %d %s", r.status, r.raw)
	}
	short, _ := e.srv.CreateInitialAccessToken(t.Context(), time.Minute)
	e.clock.Advance(2 * time.Minute)
	if r := e.register("POST", "/register", m, short); r.status != 401 || r.str("error") != CodeInvalidToken {
		t.Fatalf("expired token: %d %s", r.status, r.raw)
	}
	if md := e.srv.Metadata(t.Context()); md["registration_endpoint"] != e.ts.URL+"/register" {
		t.Fatalf("registration_endpoint = %v", md["registration_endpoint"])
	}
	if _, ok := newEnv(t).srv.Metadata(t.Context())["registration_endpoint"]; ok {
		t.Fatal("registration_endpoint advertised with registration off")
	}
}

// RFC 7592 and docs/security.md REG-03 (e): read, update and delete with the
// registration access token; another client's token is 401
// invalid_token; the registered client works at /token.
func TestRegistrationManagement(t *testing.T) {
	e := newEnv(t, openRegistration)
	m := regMeta("https://app.example/cb")
	m["grant_types"] = []string{"authorization_code", "client_credentials"}
	a := e.register("POST", "/register", m, "")
	b := e.register("POST", "/register", m, "")
	if a.status != 201 || b.status != 201 {
		t.Fatalf("register: %s %s", a.raw, b.raw)
	}
	id, tok, path := a.str("client_id"), a.str("registration_access_token"), "/register/"+a.str("client_id")
	cc := testClient{secret: a.str("client_secret")}
	cc.ID = id
	if r := e.post("/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, &cc); r.status != 200 {
		t.Fatalf("registered client at /token: %d %s", r.status, r.raw)
	}
	invalid := `Bearer realm="latchkey", error="invalid_token"`
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		r := e.register(method, path, map[string]any{"client_id": id, "redirect_uris": []string{"https://app.example/cb"}},
			b.str("registration_access_token"))
		if r.status != 401 || r.header.Get("WWW-Authenticate") != invalid {
			t.Errorf("%s with another client's token: %d %q", method, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := e.register("GET", "/register/unknown", nil, tok); r.status != 401 || r.str("error") != CodeInvalidToken {
		t.Errorf("unknown client: %d %s", r.status, r.raw)
	}
	r := e.register("GET", path, nil, tok)
	if r.status != 200 || r.str("client_id") != id || r.str("client_secret") != "" || r.str("registration_access_token") != tok {
		t.Fatalf("read: %d %s", r.status, r.raw)
	}
	upd := regMeta("https://app.example/other")
	upd["client_id"], upd["client_name"] = id, "Renamed"
	if r := e.register("PUT", path, upd, tok); r.status != 200 || r.str("client_name") != "Renamed" {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	upd["client_secret"] = "wrong"
	if r := e.register("PUT", path, upd, tok); r.status != 400 {
		t.Fatalf("update with a wrong secret: %d %s", r.status, r.raw)
	}
	if r := e.register("GET", path, nil, tok); r.status != 200 || r.str("client_name") != "Renamed" {
		t.Fatalf("read after update (token kept): %d %s", r.status, r.raw)
	}
	if r := e.register("DELETE", path, nil, tok); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if r := e.register("GET", path, nil, tok); r.status != 401 {
		t.Fatalf("read after delete: %d %s", r.status, r.raw)
	}
}
