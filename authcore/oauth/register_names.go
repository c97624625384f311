package oauth

import (
	"context"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// productName is the name no self-registered client may carry: the
// built-in clients (the console) and the server itself go by it.
const productName = "Latchkey"

// errReservedName refuses a client_name taken by Latchkey or by a client
// an administrator registered (RFC 7591 §3.2.2).
var errReservedName = newError(CodeInvalidClientMetadata, http.StatusBadRequest,
	"client_name is reserved: it is Latchkey's or another client's")

// checkClientName refuses, for a client registering itself (RFC 7591,
// RFC 7592 update; self is its ID or "" when new), a name that passes for
// a built-in client or one an administrator registered, since users see
// it on the consent page (RFC 7591 §5, "client_name" impersonation). The
// names are compared folded (foldName): any name containing "Latchkey",
// and any equal to an administrator-registered client's name, is taken.
func (s *Server) checkClientName(ctx context.Context, name, self string) error {
	folded := foldName(name)
	if strings.Contains(folded, foldName(productName)) {
		return errReservedName
	}
	clients, err := s.store.ListClients(ctx)
	if err != nil {
		return unavailable(err)
	}
	for _, c := range clients {
		if c.ID != self && !c.SelfRegistered() && foldName(c.Name) == folded {
			return errReservedName
		}
	}
	return nil
}

// lookAlikes maps letters and digits commonly used to imitate others
// (Cyrillic and Greek homoglyphs, digits, I and l) to one Latin letter,
// after lower-casing: a small, simple subset of Unicode's confusables
// (UTS #39), enough that a name is not spoofed by swapping a letter.
var lookAlikes = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'к': 'k', 'ѕ': 's',
	'і': 'l', 'ј': 'j', 'һ': 'h', 'ԁ': 'd', 'ӏ': 'l', 'ԛ': 'q', 'ԝ': 'w', 'т': 't', 'м': 'm', 'н': 'h', 'в': 'b',
	'α': 'a', 'ο': 'o', 'ε': 'e', 'κ': 'k', 'ν': 'v', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ι': 'l', 'η': 'n',
	'0': 'o', '1': 'l', 'i': 'l', '|': 'l', '!': 'l', '3': 'e', '5': 's', '$': 's', '@': 'a',
}

// foldName reduces a display name to what a reader sees in it: NFKD
// (fullwidth and other compatibility forms, accents split off), accents
// and other combining marks dropped, lower case, look-alikes mapped, and
// everything but letters and digits (spaces, punctuation, invisible
// characters) removed.
func foldName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(name) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if m, ok := lookAlikes[r]; ok {
			r = m
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
