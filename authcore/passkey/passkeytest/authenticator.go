// Package passkeytest is a software WebAuthn authenticator for tests:
// one ES256 credential, "none" attestation, its flags, counter, RP ID
// and the origin its "browser" reports under the test's control. It
// answers the JSON options go-webauthn produces with the JSON a browser
// posts (PublicKeyCredential.toJSON).
package passkeytest

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

// Authenticator is one software authenticator holding one credential.
type Authenticator struct {
	t      testing.TB
	RPID   string // the RP ID it hashes (a phishing site's differs)
	Origin string // the origin the "browser" reports
	key    *ecdsa.PrivateKey
	ID     []byte // the credential ID
	User   []byte // the user handle stored with the credential
	Count  uint32 // the signature counter
	UV     bool   // user verification performed (true by default)
	BE, BS bool   // backup eligible, backed up
}

// New returns an authenticator for rpID, used from origin.
func New(t testing.TB, rpID, origin string) *Authenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &Authenticator{t: t, RPID: rpID, Origin: origin, key: k, ID: id, UV: true}
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

func (a *Authenticator) authData(attested bool) []byte {
	h := sha256.Sum256([]byte(a.RPID))
	flags := byte(flagUP)
	if a.UV {
		flags |= flagUV
	}
	if a.BE {
		flags |= flagBE
	}
	if a.BS {
		flags |= flagBS
	}
	if attested {
		flags |= flagAT
	}
	b := append(h[:], flags)
	b = binary.BigEndian.AppendUint32(b, a.Count)
	if attested {
		b = append(b, make([]byte, 16)...) // AAGUID: none
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.ID)))
		b = append(b, a.ID...)
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

func (a *Authenticator) clientData(typ string, options []byte) []byte {
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
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": ch, "origin": a.Origin, "crossOrigin": false})
	return b
}

var b64 = base64.RawURLEncoding.EncodeToString

// Create answers navigator.credentials.create with options, for the
// user handle userHandle.
func (a *Authenticator) Create(options []byte, userHandle []byte) []byte {
	a.User = userHandle
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true)})
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64(a.ID), "rawId": b64(a.ID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(a.clientData("webauthn.create", options)),
			"attestationObject": b64(att), "transports": []string{"internal"}}})
	return b
}

// Get answers navigator.credentials.get with options, the counter
// advanced first.
func (a *Authenticator) Get(options []byte) []byte {
	a.Count++
	return a.Sign(options)
}

// Sign answers navigator.credentials.get with the counter as it is.
func (a *Authenticator) Sign(options []byte) []byte {
	cd := a.clientData("webauthn.get", options)
	ad := a.authData(false)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64(a.ID), "rawId": b64(a.ID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(cd), "authenticatorData": b64(ad),
			"signature": b64(sig), "userHandle": b64(a.User)}})
	return b
}
