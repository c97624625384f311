package audit

import (
	"encoding/base64"
	"errors"
)

// ErrBadCursor is returned for a Filter.Cursor that this log did not
// produce.
var ErrBadCursor = errors.New("audit: bad cursor")

// cursorVersion is the first byte of every cursor.
const cursorVersion = 1

// A cursor is base64url (no padding) of a version byte and the 16-byte id
// (time, seq) of the last event of the previous page. It is only ever
// decoded into that fixed-size id, never used as key bytes, so it cannot
// reach outside the event and index prefixes.
func encodeCursor(i id) string {
	var b [1 + idLen]byte
	b[0] = cursorVersion
	copy(b[1:], i[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (id, error) {
	var i id
	if len(s) != base64.RawURLEncoding.EncodedLen(1+idLen) {
		return i, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 1+idLen || b[0] != cursorVersion {
		return i, ErrBadCursor
	}
	copy(i[:], b[1:])
	if i.isZero() {
		return i, ErrBadCursor
	}
	return i, nil
}
