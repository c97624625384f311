package postgres

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealVersion is the first byte of every ciphertext this package writes,
// so the format (AES-GCM, 12-byte random nonce) can change later.
const sealVersion = 1

// sealer encrypts the columns that hold secrets the server must read back
// (signing keys, identity providers' client secrets) with AES-GCM under
// the data-encryption key. The additional data names the table, column
// and row, so a ciphertext copied into another row does not decrypt.
type sealer struct{ aead cipher.AEAD }

// ErrNoEncryptionKey is returned by Open without Options.EncryptionKey.
var ErrNoEncryptionKey = errors.New("postgres: an encryption key is required (signing keys and client secrets are stored encrypted); give every node the same --encryption-key-file")

func newSealer(key []byte) (*sealer, error) {
	switch len(key) {
	case 0:
		return nil, ErrNoEncryptionKey
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("postgres: encryption key is %d bytes; want 16, 24 or 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain for the row named by ad.
func (s *sealer) seal(plain []byte, ad string) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic("postgres: no randomness: " + err.Error())
	}
	return s.aead.Seal(out, out[1:1+s.aead.NonceSize()], plain, []byte(ad))
}

// errWrongKey: a ciphertext does not open, so the store was given another
// key than the one the data was written with (or the row was tampered
// with).
var errWrongKey = errors.New("postgres: an encrypted column does not decrypt: wrong encryption key, or the row was altered")

// open decrypts a ciphertext of seal for the row named by ad.
func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, errWrongKey
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, errWrongKey
	}
	return plain, nil
}
