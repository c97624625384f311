package oauth

import (
	"net/http"
	"testing"
)

// A self-registered client may not pass for a built-in one or for a
// client an administrator registered (issue 16: one called itself
// "Latchkey console", shown on the consent page). The comparison folds
// case, spacing and punctuation, compatibility forms (fullwidth), accents
// and common look-alike letters. Refused at registration and at RFC 7592
// update with invalid_client_metadata; other names pass, and an
// administrator may name clients as they like.
func TestAttackSelfRegisteredReservedNames(t *testing.T) {
	e := newEnv(t, openRegistration) // e.web is an administrator's client named "web"
	e.client(ClientSpec{Name: "Acme Dashboard", RedirectURIs: []string{"https://acme.example/cb"}})
	meta := func(name string) map[string]any {
		m := regMeta("https://phish.example/cb")
		m["client_name"] = name
		return m
	}
	for _, name := range []string{
		"Latchkey console", "latchkey CONSOLE", "  Latchkey   console ", "Latchkey-Console", "Latchkey\u200bconsole",
		"L\u0430tchkey console", // Cyrillic a
		"Ｌａｔｃｈｋｅｙ ｃｏｎｓｏｌｅ", "Lätchkey cönsole", "Iatchkey c0nsole", "Latchkey", "Latchkey admin",
		"ACME dashboard", "Acme  Dashboard.", "WEB",
	} {
		if r := e.register("POST", "/register", meta(name), ""); r.status != http.StatusBadRequest || r.str("error") != CodeInvalidClientMetadata {
			t.Errorf("registered as %q: %d %s", name, r.status, r.raw)
		}
	}
	r := e.register("POST", "/register", meta("Acme Dashboard Companion"), "")
	if r.status != http.StatusCreated {
		t.Fatalf("a name of its own: %d %s", r.status, r.raw)
	}
	tok, id := r.str("registration_access_token"), r.str("client_id")
	if u := e.register("PUT", "/register/"+id, map[string]any{"client_id": id, "client_name": "LATCHKEY console",
		"redirect_uris": []string{"https://phish.example/cb"}, "grant_types": []string{"authorization_code", "refresh_token"},
		"scope": "openid profile"}, tok); u.status != http.StatusBadRequest || u.str("error") != CodeInvalidClientMetadata {
		t.Fatalf("renamed to the console at RFC 7592 update: %d %s", u.status, u.raw)
	}
	if u := e.register("PUT", "/register/"+id, map[string]any{"client_id": id, "client_name": "Acme Dashboard Companion",
		"redirect_uris": []string{"https://phish.example/cb"}, "grant_types": []string{"authorization_code", "refresh_token"},
		"scope": "openid profile"}, tok); u.status != http.StatusOK {
		t.Fatalf("update keeping its own name: %d %s", u.status, u.raw)
	}
	if _, _, err := e.srv.CreateClient(t.Context(), ClientSpec{Name: "Latchkey console 2", RedirectURIs: []string{"https://a.example/cb"}}); err != nil {
		t.Fatalf("an administrator's naming: %v", err)
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Latchkey console": "latchkeyconsole", "Ｌａｔｃｈｋｅｙ": "latchkey", "Lätchkey": "latchkey",
		"I\u0430tchkey\u200b": "latchkey", "L1TCHKEY": "lltchkey", "Çafé 0": "cafeo", "": "",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}
