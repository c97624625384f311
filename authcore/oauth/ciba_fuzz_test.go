package oauth

import (
	"strconv"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzCIBAParams: the /bc-authorize value checks (docs/security.md
// RL-14, CIBA-03) never panic; a binding message is accepted iff it is
// at most 64 printable characters and comes back unchanged; a
// requested_expiry iff it is a decimal of 1..1800 seconds, which it
// becomes; a notification token iff it is made of bearer characters.
func FuzzCIBAParams(f *testing.F) {
	for _, s := range [][3]string{{"Pay 12 EUR", "60", "tok-1"}, {"", "", ""}, {"a\nb", "-1", "a b"},
		{"\xff", "1801", "Zm9v+/=="}, {"ünïcödé ✓", "0x10", "a\x00"}, {"x", "+5", "~._-"}} {
		f.Add(s[0], s[1], s[2])
	}
	s := &Server{}
	f.Fuzz(func(t *testing.T, msg, expiry, tok string) {
		got, err := bindingMessage(msg)
		printable := utf8.ValidString(msg) && utf8.RuneCountInString(msg) <= maxBindingMessage
		for _, r := range msg {
			printable = printable && unicode.IsPrint(r)
		}
		if (err == nil) != printable || err == nil && got != msg {
			t.Fatalf("bindingMessage(%q) = %q, %v", msg, got, err)
		}
		d, err := s.cibaLifetime(expiry)
		n, perr := strconv.ParseInt(expiry, 10, 64)
		switch {
		case expiry == "":
			if err != nil || d != DefaultCIBALifetime {
				t.Fatalf("default lifetime: %v %v", d, err)
			}
		case perr == nil && n >= 1 && n <= 1800:
			if err != nil || d != time.Duration(n)*time.Second {
				t.Fatalf("cibaLifetime(%q) = %v, %v", expiry, d, err)
			}
		case err == nil:
			t.Fatalf("cibaLifetime(%q) accepted as %v", expiry, d)
		}
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; (c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == '\\') && bearerChars(tok) {
				t.Fatalf("bearerChars(%q) accepts %q", tok, c)
			}
		}
	})
}
