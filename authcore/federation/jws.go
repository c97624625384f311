package federation

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// header is the JOSE header of an external ID token. Keys come only from
// the provider's JWKS: jku, x5u, jwk and x5c are ignored (RFC 8725
// §3.10), and crit is refused (RFC 7515 §4.1.11: no extension is
// understood).
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	Zip  json.RawMessage `json:"zip"`
	Enc  json.RawMessage `json:"enc"`
}

// compact is a compact JWS split into its parts.
type compact struct {
	header        header
	payload       []byte
	signingString string
	sig           []byte
}

var errMalformed = errors.New("federation: malformed JWT")

// splitJWS checks size and shape before decoding anything (CVE-2025-30204)
// and decodes the header and payload. It does not verify.
func splitJWS(tok string) (*compact, error) {
	if len(tok) == 0 || len(tok) > MaxTokenBytes || strings.Count(tok, ".") != 2 {
		return nil, errMalformed
	}
	i, j := strings.IndexByte(tok, '.'), strings.LastIndexByte(tok, '.')
	dec := base64.RawURLEncoding.Strict()
	hb, err1 := dec.DecodeString(tok[:i])
	pb, err2 := dec.DecodeString(tok[i+1 : j])
	sig, err3 := dec.DecodeString(tok[j+1:])
	if err1 != nil || err2 != nil || err3 != nil || len(sig) == 0 {
		return nil, errMalformed
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, errMalformed
	}
	return &compact{header: h, payload: pb, signingString: tok[:j], sig: sig}, nil
}

// idTypOK reports whether typ is acceptable for an ID token: absent or
// JWT (OIDC Core §2 does not require it); an access token's at+jwt or any
// other explicit type is refused (RFC 8725 §3.11).
func idTypOK(typ string) bool {
	t := strings.ToLower(typ)
	return t == "" || t == "jwt" || t == "application/jwt"
}
