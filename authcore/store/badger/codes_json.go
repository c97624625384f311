package badger

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

func (r *codeV1) decodeRecord(b []byte) error { return decodeCode(b, r) }

// decodeCode decodes a stored code as json.Unmarshal would, without its
// reflection: every code exchange decodes its code (3.4% of exchange8's
// CPU through encoding/json). It reads the records put writes, whose
// strings json.Marshal has made valid UTF-8, and hands anything else to
// json.Unmarshal itself, so the result never differs: a key it does not
// know, a value of another type, or a string with an escape or invalid
// UTF-8 (escapes are where decoders disagree on surrogates and U+FFFD).
// FuzzDecodeCode compares the two.
func decodeCode(b []byte, r *codeV1) error {
	if fastDecodeCode(b, r) {
		return nil
	}
	*r = codeV1{}
	return json.Unmarshal(b, r)
}

// fastDecodeCode decodes b into r if b is an object of codeV1's fields
// with plain values, and reports whether it did; r is unspecified when
// it did not.
func fastDecodeCode(b []byte, r *codeV1) bool {
	if !gjson.ValidBytes(b) {
		return false
	}
	root := gjson.ParseBytes(b)
	if !root.IsObject() {
		return false
	}
	*r = codeV1{}
	ok := true
	root.ForEach(func(k, v gjson.Result) bool {
		if !plainString(k) {
			ok = false
			return false
		}
		switch k.Str {
		case "hash":
			ok = setString(v, &r.Hash)
		case "client":
			ok = setString(v, &r.ClientID)
		case "user":
			ok = setString(v, &r.UserID)
		case "redirect_uri":
			ok = setString(v, &r.RedirectURI)
		case "scopes":
			ok = setStrings(v, &r.Scopes)
		case "aud":
			ok = setStrings(v, &r.Audience)
		case "code_challenge":
			ok = setString(v, &r.CodeChallenge)
		case "nonce":
			ok = setString(v, &r.Nonce)
		case "auth_time":
			ok = setTime(v, &r.AuthTime)
		case "exp":
			ok = setTime(v, &r.ExpiresAt)
		case "created":
			ok = setTime(v, &r.CreatedAt)
		case "consumed":
			ok = setBool(v, &r.Consumed)
		case "grant":
			ok = setString(v, &r.GrantID)
		case "sid":
			ok = setString(v, &r.SessionID)
		case "acr":
			ok = setString(v, &r.ACR)
		case "amr":
			ok = setStrings(v, &r.AMR)
		case "claims":
			ok = setString(v, &r.Claims)
		case "dpop_jkt":
			ok = setString(v, &r.DPoPJKT)
		case "resources":
			ok = setStrings(v, &r.Resources)
		case "authorization_details":
			ok = setString(v, &r.AuthorizationDetails)
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// plainString reports whether v is a string without escapes, in valid
// UTF-8: its Str is then exactly what encoding/json would decode.
func plainString(v gjson.Result) bool {
	return v.Type == gjson.String && !strings.ContainsRune(v.Raw, '\\') && utf8.ValidString(v.Str)
}

// setString sets *dst from a plain string; null leaves it, as
// encoding/json does.
func setString(v gjson.Result, dst *string) bool {
	switch {
	case v.Type == gjson.Null:
		return true
	case plainString(v):
		*dst = v.Str
		return true
	}
	return false
}

// setStrings sets *dst from an array of plain strings (an empty array
// is an empty slice, null a nil one, as encoding/json does).
func setStrings(v gjson.Result, dst *[]string) bool {
	if v.Type == gjson.Null {
		*dst = nil
		return true
	}
	if !v.IsArray() {
		return false
	}
	out := []string{}
	ok := true
	v.ForEach(func(_, e gjson.Result) bool {
		if ok = plainString(e); ok {
			out = append(out, e.Str)
		}
		return ok
	})
	if ok {
		*dst = out
	}
	return ok
}

// setTime sets *dst as time.Time's UnmarshalJSON does (encoding/json
// calls it), for a plain string or null.
func setTime(v gjson.Result, dst *time.Time) bool {
	if v.Type != gjson.Null && !plainString(v) {
		return false
	}
	return dst.UnmarshalJSON([]byte(v.Raw)) == nil
}

// setBool sets *dst from true or false; null leaves it.
func setBool(v gjson.Result, dst *bool) bool {
	switch v.Type {
	case gjson.Null:
	case gjson.True, gjson.False:
		*dst = v.Type == gjson.True
	default:
		return false
	}
	return true
}
