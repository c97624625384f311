package testsupport

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DPoPKey is a client's DPoP key (RFC 9449): an ES256 key that signs
// proofs with the public key embedded as jwk.
type DPoPKey struct {
	// JKT is the key's JWK SHA-256 thumbprint (RFC 7638), base64url: the
	// cnf.jkt of tokens bound to it.
	JKT    string
	t      testing.TB
	signer jose.Signer
	n      int
}

// NewDPoPKey generates a DPoP key.
func NewDPoPKey(t testing.TB) *DPoPKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := (&jose.JSONWebKey{Key: &k.PublicKey}).Thumbprint(crypto.SHA256)
	return &DPoPKey{JKT: base64.RawURLEncoding.EncodeToString(tp), t: t, signer: s}
}

// Proof signs a fresh proof (RFC 9449 §4.2) for method and url, issued
// now; with a non-empty access token it carries that token's ath.
func (k *DPoPKey) Proof(method, url, accessToken string) string {
	return k.ProofAt(time.Now(), method, url, accessToken)
}

// ProofAt is Proof with iat set to iat.
func (k *DPoPKey) ProofAt(iat time.Time, method, url, accessToken string) string {
	return k.proof(iat, method, url, accessToken, "")
}

// ProofNonce is Proof carrying the server nonce nonce (RFC 9449 §8).
func (k *DPoPKey) ProofNonce(method, url, accessToken, nonce string) string {
	return k.proof(time.Now(), method, url, accessToken, nonce)
}

func (k *DPoPKey) proof(iat time.Time, method, url, accessToken, nonce string) string {
	k.n++
	c := map[string]any{"jti": fmt.Sprintf("%s-%d-%d", k.JKT[:8], k.n, time.Now().UnixNano()),
		"htm": method, "htu": url, "iat": iat.Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	b, _ := json.Marshal(c)
	jws, err := k.signer.Sign(b)
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}
