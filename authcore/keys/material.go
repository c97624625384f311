package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// material is a parsed key: immutable once built, shared by every keyset
// snapshot that holds the same kid, so Sign and Verify never parse.
type material struct {
	kid    string
	alg    string
	method jwt.SigningMethod
	priv   crypto.Signer
	pub    crypto.PublicKey
	jwk    []byte // public JWK, RFC 7517 §4, with kid, alg and use
	live   *liveCount

	hdrMu   sync.RWMutex
	headers map[string]string // typ -> encoded JWS header segment
}

// generate makes a new private key for alg and its stored record, state
// next and CreatedAt now.
func generate(alg string, rsaBits int, r io.Reader, now time.Time) (authcore.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), r)
	case RS256, PS256:
		priv, err = rsa.GenerateKey(r, rsaBits)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(r)
	default:
		err = fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return authcore.SigningKey{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return authcore.SigningKey{}, fmt.Errorf("keys: encode %s key: %w", alg, err)
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return authcore.SigningKey{}, err
	}
	return authcore.SigningKey{ID: kid, Algorithm: alg, State: authcore.KeyNext, PrivateDER: der, CreatedAt: now}, nil
}

// parse turns a stored record into material, checking that the key type
// fits the algorithm and that the ID is the key's RFC 7638 thumbprint.
func parse(rec authcore.SigningKey) (*material, error) {
	method := methods[rec.Algorithm]
	if method == nil {
		return nil, fmt.Errorf("keys: key %s: unsupported algorithm %q", rec.ID, rec.Algorithm)
	}
	k, err := x509.ParsePKCS8PrivateKey(rec.PrivateDER)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", rec.ID, err)
	}
	ok := false
	switch p := k.(type) {
	case *ecdsa.PrivateKey:
		ok = rec.Algorithm == ES256 && p.Curve == elliptic.P256()
	case *rsa.PrivateKey:
		ok = (rec.Algorithm == RS256 || rec.Algorithm == PS256) && p.N.BitLen() >= 2048
	case ed25519.PrivateKey:
		ok = rec.Algorithm == EdDSA
	}
	if !ok {
		return nil, fmt.Errorf("keys: key %s: a %T is not a %s key", rec.ID, k, rec.Algorithm)
	}
	priv := k.(crypto.Signer)
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return nil, err
	}
	if kid != rec.ID {
		return nil, fmt.Errorf("keys: key %s: its thumbprint is %s", rec.ID, kid)
	}
	jwk, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: rec.Algorithm, Use: "sig"})
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", rec.ID, err)
	}
	return &material{kid: kid, alg: rec.Algorithm, method: method, priv: priv, pub: priv.Public(),
		jwk: jwk, live: &liveCount{}, headers: map[string]string{}}, nil
}

// thumbprint is the RFC 7638 §3 SHA-256 thumbprint, base64url, the kid.
func thumbprint(pub crypto.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// header returns the encoded protected header {"alg","kid","typ"} for
// typ, built once per typ (RFC 7515 §4.1).
func (k *material) header(typ string) string {
	k.hdrMu.RLock()
	h, ok := k.headers[typ]
	k.hdrMu.RUnlock()
	if ok {
		return h
	}
	b, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{k.alg, k.kid, typ})
	h = base64.RawURLEncoding.EncodeToString(b)
	k.hdrMu.Lock()
	if len(k.headers) < 16 { // typ comes from code, but stay bounded
		k.headers[typ] = h
	}
	k.hdrMu.Unlock()
	return h
}

// liveCount counts signed tokens by the minute their exp falls in, so
// Keys can say how many tokens of a key are still live. It is in memory:
// a restart starts from zero.
type liveCount struct {
	mu      sync.Mutex
	buckets map[int64]int
}

func (l *liveCount) add(exp time.Time) {
	m := exp.Unix() / 60
	l.mu.Lock()
	if l.buckets == nil {
		l.buckets = map[int64]int{}
	}
	l.buckets[m]++
	l.mu.Unlock()
}

// count returns the tokens whose exp minute has not wholly passed at now,
// dropping the buckets that have.
func (l *liveCount) count(now time.Time) int {
	cut := now.Unix()
	n := 0
	l.mu.Lock()
	for m, c := range l.buckets {
		if (m+1)*60 <= cut {
			delete(l.buckets, m)
			continue
		}
		n += c
	}
	l.mu.Unlock()
	return n
}
