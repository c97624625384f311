package flow

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func (f *fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != fakeClient || q.Get("response_type") != "code" ||
		!strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	m := q.Get("code_challenge_method")
	if m != "S256" && !(f.plain && m == "plain") {
		http.Error(w, "pkce", http.StatusBadRequest)
		return
	}
	code := randomString()
	a := authz{challenge: q.Get("code_challenge"), method: m, redirect: q.Get("redirect_uri"),
		nonce: q.Get("nonce"), scope: q.Get("scope"), details: q.Get("authorization_details")}
	f.mu.Lock()
	f.codes[code] = a
	f.lastAuth = a
	f.mu.Unlock()
	resp := url.Values{"code": {code}, "state": {q.Get("state")}}
	if f.wrongState {
		resp.Set("state", "forged")
	}
	if !f.noIss {
		resp.Set("iss", f.ts.URL)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+resp.Encode(), http.StatusSeeOther)
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !clientOK(r) {
		oauthErr(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	p := r.PostForm
	switch p.Get("grant_type") {
	case "authorization_code":
		f.mu.Lock()
		a, ok := f.codes[p.Get("code")]
		delete(f.codes, p.Get("code"))
		f.mu.Unlock()
		want := p.Get("code_verifier")
		if a.method == "S256" {
			sum := sha256.Sum256([]byte(want))
			want = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if !ok || want != a.challenge || p.Get("redirect_uri") != a.redirect {
			oauthErr(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		f.issue(w, fakeUser, a.scope, a.nonce, strings.Contains(a.scope, "offline_access"), a.details)
	case "client_credentials":
		f.issue(w, fakeClient, p.Get("scope"), "", false, p.Get("authorization_details"))
	case "refresh_token":
		f.refreshGrant(w, p.Get("refresh_token"))
	case GrantDeviceCode:
		f.mu.Lock()
		n := f.polls
		f.polls++
		f.mu.Unlock()
		if n < len(f.devicePolls) {
			oauthErr(w, http.StatusBadRequest, f.devicePolls[n])
			return
		}
		f.issue(w, fakeUser, "openid", "", false, "")
	case GrantTokenExchange:
		if p.Get("subject_token_type") != TokenTypeAccess || p.Get("subject_token") == "" {
			oauthErr(w, http.StatusBadRequest, "invalid_request")
			return
		}
		at := f.accessToken(fakeUser, "", p.Get("audience"))
		writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer",
			"expires_in": int(f.lifetime.Seconds()), "issued_token_type": TokenTypeAccess}, !f.noStore)
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func (f *fake) refreshGrant(w http.ResponseWriter, rt string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fam, ok := f.spent[rt]; ok && !f.noReuse {
		fam.revoked = true // reuse: revoke the family
		oauthErr(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	fam, ok := f.refresh[rt]
	if !ok {
		fam, ok = f.spent[rt]
	}
	if !ok || fam.revoked {
		oauthErr(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	body := map[string]any{"access_token": f.accessToken(fakeUser, "openid", nil), "token_type": "Bearer",
		"expires_in": int(f.lifetime.Seconds())}
	if !f.noRotate {
		delete(f.refresh, rt)
		f.spent[rt] = fam
		next := randomString()
		f.refresh[next] = fam
		body["refresh_token"] = next
	}
	writeJSON(w, http.StatusOK, body, !f.noStore)
}

func (f *fake) accessToken(sub, scope string, aud any) string {
	return f.accessTokenWith(sub, scope, aud, nil)
}

// accessTokenWith is accessToken with extra claims.
func (f *fake) accessTokenWith(sub, scope string, aud any, extra map[string]any) string {
	if aud == nil || aud == "" {
		aud = f.audience
	}
	if aud == nil {
		aud = f.ts.URL + "/demo/api"
	}
	now := time.Now()
	claims := map[string]any{"iss": f.ts.URL, "sub": sub, "aud": aud, "client_id": fakeClient,
		"scope": scope, "iat": now.Unix(), "exp": now.Add(f.lifetime).Unix(), "jti": randomString()}
	for k, v := range extra {
		claims[k] = v
	}
	return f.sign("at+jwt", claims)
}

// issue answers a token request; details is the authorization_details
// requested (RFC 9396), granted as detailsEdit says.
func (f *fake) issue(w http.ResponseWriter, sub, scope, nonce string, offline bool, details string) {
	extra := map[string]any{}
	var granted any
	if details != "" {
		var resp, claim any
		_ = json.Unmarshal([]byte(details), &resp)
		_ = json.Unmarshal([]byte(details), &claim)
		if f.detailsEdit != nil {
			f.detailsEdit(&resp, &claim)
		}
		granted = resp
		if claim != nil {
			extra["authorization_details"] = claim
		}
	}
	atSub := sub
	if f.atSub != "" && strings.Contains(scope, "openid") {
		atSub = f.atSub
	}
	at := f.accessTokenWith(atSub, scope, nil, extra)
	body := map[string]any{"access_token": at, "token_type": "Bearer",
		"expires_in": int(f.lifetime.Seconds()), "scope": scope}
	if granted != nil {
		body["authorization_details"] = granted
	}
	if strings.Contains(scope, "openid") {
		now := time.Now()
		claims := map[string]any{"iss": f.ts.URL, "sub": sub, "aud": fakeClient,
			"nonce": nonce, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if f.idEdit != nil {
			f.idEdit(claims, at)
		}
		body["id_token"] = f.sign("JWT", claims)
	}
	if offline {
		rt := randomString()
		f.mu.Lock()
		f.refresh[rt] = &family{}
		f.mu.Unlock()
		body["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, body, !f.noStore)
}

func (f *fake) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !clientOK(r) {
		oauthErr(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"device_code": randomString(), "user_code": "WDJB-MJHT",
		"verification_uri": f.ts.URL + "/device-login", "verification_uri_complete": f.ts.URL + "/device-login?user_code=WDJB-MJHT",
		"expires_in": 600, "interval": 1}, true)
}

func (f *fake) introspect(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !clientOK(r) || r.PostForm.Get("client_secret") == "" && r.Header.Get("Authorization") == "" {
		oauthErr(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	tok := r.PostForm.Get("token")
	f.mu.Lock()
	revoked := f.revoked[tok]
	f.mu.Unlock()
	if revoked {
		writeJSON(w, http.StatusOK, map[string]any{"active": false}, true)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"active": true, "sub": fakeUser, "client_id": fakeClient,
		"aud": f.ts.URL + "/demo/api"}, true)
}

func (f *fake) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !clientOK(r) {
		oauthErr(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	f.mu.Lock()
	f.revoked[r.PostForm.Get("token")] = true
	f.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (f *fake) bearerOK(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	return ok && tok != "" && !f.revoked[tok]
}

func (f *fake) userinfo(w http.ResponseWriter, r *http.Request) {
	if !f.bearerOK(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	sub := fakeUser
	if f.userinfoSub != "" {
		sub = f.userinfoSub
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": sub, "name": "Test User"}, false)
}

func (f *fake) api(w http.ResponseWriter, r *http.Request) {
	if !f.bearerOK(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"profile": "ok"}, false)
}
