package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ErrBadCursor is returned for a Filter.Cursor that this log did not
// produce (unknown, truncated or altered).
var ErrBadCursor = errors.New("audit: bad cursor")

// cursorVersion is the first byte of every cursor.
const cursorVersion = 2

// cursorMACLen is how many bytes of the HMAC-SHA256 a cursor carries.
const cursorMACLen = 16

// cursorLen is the decoded length of a cursor: version, id, MAC.
const cursorLen = 1 + idLen + cursorMACLen

// keyCursor holds the log's cursor key: 32 random bytes made on first
// Open, stored with the events (so encrypted with them at rest).
var keyCursor = []byte("v1/meta/cursor-key")

// A cursor is base64url (no padding) of a version byte, the 16-byte id
// (time, seq) of the last event of the previous page, and an HMAC of both
// under the log's cursor key. A cursor this log did not produce (a flipped
// bit, a guessed position) is refused; a valid one is only ever decoded
// into that fixed-size id, never used as key bytes, so it cannot reach
// outside the event and index prefixes.
func (l *Log) encodeCursor(i id) string {
	var b [cursorLen]byte
	b[0] = cursorVersion
	copy(b[1:], i[:])
	copy(b[1+idLen:], l.cursorMAC(b[:1+idLen]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (l *Log) decodeCursor(s string) (id, error) {
	var i id
	if len(s) != base64.RawURLEncoding.EncodedLen(cursorLen) {
		return i, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion ||
		!hmac.Equal(b[1+idLen:], l.cursorMAC(b[:1+idLen])) {
		return i, ErrBadCursor
	}
	copy(i[:], b[1:1+idLen])
	if i.isZero() {
		return i, ErrBadCursor
	}
	return i, nil
}

func (l *Log) cursorMAC(msg []byte) []byte {
	m := hmac.New(sha256.New, l.cursorKey)
	m.Write([]byte("latchkey audit cursor\x00"))
	m.Write(msg)
	return m.Sum(nil)[:cursorMACLen]
}

// cursorKey reads the cursor key, making it on first use.
func (b *badgerBackend) cursorKey() ([]byte, error) {
	var key []byte
	err := b.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyCursor)
		if err == nil {
			key, err = item.ValueCopy(nil)
			return err
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return txn.Set(keyCursor, key)
	})
	if err == nil && len(key) != 32 {
		err = errors.New("stored key is not 32 bytes")
	}
	if err != nil {
		return nil, fmt.Errorf("audit: cursor key: %w", err)
	}
	return key, nil
}
