package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

var enc = base64.RawURLEncoding

// forge builds a compact JWS from a header and claims, signed by sign
// (nil: an empty signature).
func forge(hdr, claims map[string]any, sign func(string) []byte) string {
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	s := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	var sig []byte
	if sign != nil {
		sig = sign(s)
	}
	return s + "." + enc.EncodeToString(sig)
}

func hs256(secret []byte) func(string) []byte {
	return func(s string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
}

func signWith(method jwt.SigningMethod, key crypto.Signer) func(string) []byte {
	return func(s string) []byte {
		sig, err := method.Sign(s, key)
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// TestVerifyRejects is the GW-04..GW-06 table against keys.Manager.
func TestVerifyRejects(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Algorithms = []string{ES256, RS256} })
	now := e.clock.Now()
	ecKID, rsaKID := byState(e.m, ES256, authcore.KeyActive)[0], byState(e.m, RS256, authcore.KeyActive)[0]
	ecPub, rsaPub := e.m.set.Load().byKID[ecKID].pub, e.m.set.Load().byKID[rsaKID].pub
	ecPriv := e.m.set.Load().byKID[ecKID].priv
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": "https://as.example", "sub": "alice", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	hdr := func(alg, kid string, extra ...any) map[string]any {
		h := map[string]any{"alg": alg, "kid": kid, "typ": "at+jwt"}
		for i := 0; i < len(extra); i += 2 {
			if extra[i+1] == nil {
				delete(h, extra[i].(string))
			} else {
				h[extra[i].(string)] = extra[i+1]
			}
		}
		return h
	}
	good := signWith(jwt.SigningMethodES256, ecPriv)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attackerKID, _ := thumbprint(attacker.Public())
	attackerJWK := jose.JSONWebKey{Key: attacker.Public(), KeyID: attackerKID, Algorithm: ES256, Use: "sig"}
	attackerRSA, _ := rsa.GenerateKey(rand.Reader, 2048)

	type tc struct {
		name  string
		token string
		want  error
	}
	var cases []tc
	// GW-04: alg none in every casing, empty and non-empty signature.
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		cases = append(cases,
			tc{"alg " + alg + " empty sig", forge(hdr(alg, ecKID), claims(nil), nil), ErrAlgorithm},
			tc{"alg " + alg + " with sig", forge(hdr(alg, ecKID), claims(nil), good), ErrAlgorithm})
	}
	// GW-05: HS256 keyed with the public key in every encoding.
	for name, kp := range map[string]struct {
		kid string
		pub crypto.PublicKey
	}{"EC": {ecKID, ecPub}, "RSA": {rsaKID, rsaPub}} {
		spki, _ := x509.MarshalPKIXPublicKey(kp.pub)
		jwk, _ := json.Marshal(jose.JSONWebKey{Key: kp.pub, KeyID: kp.kid, Algorithm: ES256, Use: "sig"})
		jwks, _ := e.m.JWKS()
		secrets := map[string][]byte{
			"PEM SPKI": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}),
			"DER SPKI": spki, "JWK JSON": jwk, "JWKS": jwks,
		}
		if rp, ok := kp.pub.(*rsa.PublicKey); ok {
			secrets["PEM PKCS1"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rp)})
			secrets["base64url n"] = []byte(enc.EncodeToString(rp.N.Bytes()))
		}
		for sname, secret := range secrets {
			for _, alg := range []string{"HS256", "HS384", "HS512"} {
				cases = append(cases, tc{alg + " " + name + " " + sname, forge(hdr(alg, kp.kid), claims(nil), hs256(secret)), ErrAlgorithm})
			}
		}
	}
	cases = append(cases,
		// GW-06: kid, key-carrying headers.
		tc{"unknown kid", forge(hdr(ES256, "nope"), claims(nil), good), ErrUnknownKey},
		tc{"no kid", forge(hdr(ES256, "", "kid", nil), claims(nil), good), ErrUnknownKey},
		tc{"kid path traversal", forge(hdr(ES256, "../../etc/passwd"), claims(nil), good), ErrUnknownKey},
		tc{"kid SQL", forge(hdr(ES256, "' OR 1=1"), claims(nil), good), ErrUnknownKey},
		tc{"kid not a string", forge(hdr(ES256, "", "kid", 7), claims(nil), good), ErrMalformed},
		tc{"jwk header, attacker kid", forge(hdr(ES256, attackerKID, "jwk", attackerJWK), claims(nil), signWith(jwt.SigningMethodES256, attacker)), ErrUnknownKey},
		tc{"jwk header, our kid", forge(hdr(ES256, ecKID, "jwk", attackerJWK), claims(nil), signWith(jwt.SigningMethodES256, attacker)), ErrSignature},
		tc{"jku header", forge(hdr(ES256, attackerKID, "jku", "https://evil.example/jwks"), claims(nil), signWith(jwt.SigningMethodES256, attacker)), ErrUnknownKey},
		tc{"x5u header, our kid", forge(hdr(ES256, ecKID, "x5u", "https://evil.example/c.pem"), claims(nil), signWith(jwt.SigningMethodES256, attacker)), ErrSignature},
		tc{"RS256 header on EC kid", forge(hdr(RS256, ecKID), claims(nil), signWith(jwt.SigningMethodRS256, attackerRSA)), ErrAlgorithm},
		tc{"PS256 header on RS256 kid", forge(hdr(PS256, rsaKID), claims(nil), signWith(jwt.SigningMethodPS256, attackerRSA)), ErrAlgorithm},
		tc{"crit header", forge(hdr(ES256, ecKID, "crit", []string{"exp"}, "exp", 1), claims(nil), good), ErrMalformed},
		// Explicit typing.
		tc{"wrong typ", forge(hdr(ES256, ecKID, "typ", "JWT"), claims(nil), good), ErrType},
		tc{"typ case", forge(hdr(ES256, ecKID, "typ", "AT+JWT"), claims(nil), good), ErrType},
		tc{"missing typ", forge(hdr(ES256, ecKID, "typ", nil), claims(nil), good), ErrType},
		// Claims.
		tc{"expired beyond leeway", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["exp"] = now.Add(-31 * time.Second).Unix() }), good), jwt.ErrTokenExpired},
		tc{"no exp", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { delete(c, "exp") }), good), jwt.ErrTokenRequiredClaimMissing},
		tc{"nbf in future", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }), good), jwt.ErrTokenNotValidYet},
		tc{"iat in future", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() }), good), jwt.ErrTokenUsedBeforeIssued},
		tc{"wrong iss", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["iss"] = "https://evil.example" }), good), jwt.ErrTokenInvalidIssuer},
		tc{"no iss", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { delete(c, "iss") }), good), jwt.ErrTokenRequiredClaimMissing},
		tc{"exp a string", forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["exp"] = "tomorrow" }), good), ErrMalformed},
	)
	valid := forge(hdr(ES256, ecKID), claims(nil), good)
	if _, err := e.verify(valid); err != nil {
		t.Fatalf("control token: %v", err)
	}
	parts := strings.Split(valid, ".")
	tampered := forge(hdr(ES256, ecKID), claims(func(c map[string]any) { c["sub"] = "mallory" }), nil)
	cases = append(cases,
		tc{"tampered payload", strings.Join(append(strings.Split(tampered, ".")[:2], parts[2]), "."), ErrSignature},
		tc{"2 segments", parts[0] + "." + parts[1], ErrMalformed},
		tc{"4 segments", valid + "." + parts[2], ErrMalformed},
		tc{"dots only", strings.Repeat(".", 5000), ErrMalformed},
		tc{"100 KB", parts[0] + "." + strings.Repeat("A", 100<<10) + "." + parts[2], ErrMalformed},
		tc{"padded signature", valid + "==", ErrMalformed},
		tc{"header not JSON", enc.EncodeToString([]byte("[1]")) + "." + parts[1] + "." + parts[2], ErrMalformed},
		tc{"empty", "", ErrMalformed},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got jwt.RegisteredClaims
			kid, err := e.m.Verify(c.token, "at+jwt", &got)
			if err == nil || kid != "" || !strings.HasPrefix(err.Error(), "keys: ") {
				t.Fatalf("Verify = %q, %v", kid, err)
			}
			mustErr(t, err, c.want)
		})
	}
}

// TestRevokedKeyTokensNeverVerify: after Revoke, tokens of the key fail
// at once, whatever the clock says, and across a restart.
func TestRevokedKeyTokensNeverVerify(t *testing.T) {
	e := newEnv(t, nil)
	old := e.sign(t, "")
	kid := byState(e.m, ES256, authcore.KeyActive)[0]
	if err := e.m.Revoke(context.Background(), kid, "alice@admin", "key leaked in a log"); err != nil {
		t.Fatal(err)
	}
	_, err := e.verify(old)
	mustErr(t, err, ErrUnknownKey)
	if _, err := e.restart(t).Verify(old, "at+jwt", &jwt.RegisteredClaims{}); err == nil {
		t.Fatal("revoked key verifies after restart")
	}
	if _, err := e.verify(e.sign(t, "")); err != nil {
		t.Fatalf("signing stopped after revocation: %v", err)
	}
}
