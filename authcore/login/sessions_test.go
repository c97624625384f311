package login

import (
	"net/http"
	"strings"
	"testing"
)

func TestSessionLookup(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	value := e.login(c, testReturn)
	for name, tc := range map[string]struct {
		cookie string
		want   bool
	}{
		"none":         {"", false},
		"garbage":      {"x", false},
		"unknown":      {strings.Repeat("A", 43), false},
		"bad base64":   {strings.Repeat("*", 43), false},
		"stored hash":  {sessionID(value), false}, // the store's id is not a credential
		"valid cookie": {value, true},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tc.cookie})
		}
		s, ok := e.m.Session(r)
		if ok != tc.want || ok && s.UserID != e.alice.ID {
			t.Errorf("%s: Session = %+v, %v", name, s, ok)
		}
	}
}
