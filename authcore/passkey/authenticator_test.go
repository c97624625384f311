package passkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// authenticator is a software WebAuthn authenticator for the tests: one
// ES256 credential, "none" attestation, flags and counter under the
// test's control.
type authenticator struct {
	t      *testing.T
	rpID   string // the RP ID it hashes (a phishing site's differs)
	origin string // the origin the "browser" reports
	key    *ecdsa.PrivateKey
	id     []byte
	user   []byte // user handle stored with the credential
	count  uint32
	uv     bool // user verification performed
	be, bs bool // backup eligible, backed up
}

func newAuthenticator(t *testing.T, rpID, origin string) *authenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &authenticator{t: t, rpID: rpID, origin: origin, key: k, id: id, uv: true}
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

func (a *authenticator) authData(attested bool) []byte {
	h := sha256.Sum256([]byte(a.rpID))
	flags := byte(flagUP)
	if a.uv {
		flags |= flagUV
	}
	if a.be {
		flags |= flagBE
	}
	if a.bs {
		flags |= flagBS
	}
	if attested {
		flags |= flagAT
	}
	b := append(h[:], flags)
	b = binary.BigEndian.AppendUint32(b, a.count)
	if attested {
		b = append(b, make([]byte, 16)...) // AAGUID: none
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.id)))
		b = append(b, a.id...)
		pub, err := a.key.PublicKey.ECDH()
		if err != nil {
			a.t.Fatal(err)
		}
		raw := pub.Bytes() // 0x04 || X || Y
		cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
			PublicKeyData: webauthncose.PublicKeyData{KeyType: 2, Algorithm: -7},
			Curve:         1, XCoord: raw[1:33], YCoord: raw[33:],
		})
		if err != nil {
			a.t.Fatal(err)
		}
		b = append(b, cose...)
	}
	return b
}

func (a *authenticator) clientData(typ string, options []byte) []byte {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		a.t.Fatal(err)
	}
	ch := o.Challenge
	if ch == "" {
		ch = o.PublicKey.Challenge
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": ch, "origin": a.origin, "crossOrigin": false})
	return b
}

var b64 = base64.RawURLEncoding.EncodeToString

// create answers navigator.credentials.create with options.
func (a *authenticator) create(options []byte, userHandle []byte) []byte {
	a.user = userHandle
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true)})
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64(a.id), "rawId": b64(a.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(a.clientData("webauthn.create", options)),
			"attestationObject": b64(att), "transports": []string{"internal"}}})
	return b
}

// get answers navigator.credentials.get with options, the counter
// advanced first.
func (a *authenticator) get(options []byte) []byte {
	a.count++
	return a.sign(options)
}

// sign answers with the counter as it is.
func (a *authenticator) sign(options []byte) []byte {
	cd := a.clientData("webauthn.get", options)
	ad := a.authData(false)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64(a.id), "rawId": b64(a.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(cd), "authenticatorData": b64(ad),
			"signature": b64(sig), "userHandle": b64(a.user)}})
	return b
}
