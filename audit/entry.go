package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Entry is one stored event: the Event plus its place in the hash chain.
//
// Stored form (one JSON line, also what Export and the mirror write):
//
//	{"seq":N,"prev_hash":"<hex>",<the Event's fields>,"hash":"<hex>"}
//
// hash = hex(SHA-256(prev_hash bytes || body)), where body is the stored
// line without its trailing `,"hash":"…"` member (closed with `}`). The
// hash therefore covers the exact stored bytes, seq and the previous link.
type Entry struct {
	Seq      uint64 `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Event
	Hash string `json:"hash"`
}

// entryBody is the hashed part of an Entry, in stored field order.
type entryBody struct {
	Seq      uint64 `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Event
}

// hashLen is the length of a hex SHA-256.
const hashLen = 2 * sha256.Size

// genesisHash is the prev_hash of the first event ever recorded.
var genesisHash = string(bytes.Repeat([]byte("0"), hashLen))

var (
	hashPrefix = []byte(`,"hash":"`)
	hashSuffix = []byte(`"}`)
)

// encodeEntry returns the stored line for e at seq after prev, and its hash.
func encodeEntry(seq uint64, prev string, e Event) ([]byte, string, error) {
	body, err := appendEntryBody(make([]byte, 0, lineCap(&e)), seq, prev, &e)
	if err != nil {
		return nil, "", fmt.Errorf("audit: encode event: %w", err)
	}
	h := chainHash(prev, body)
	return withHash(body, h), h, nil
}

// lineCap is room for a typical stored line of e in one allocation.
func lineCap(e *Event) int {
	return 384 + len(e.UserAgent) + len(e.Reason) + 32*len(e.Details)
}

// withHash turns a body (closed with '}') into its stored line, in place.
func withHash(body []byte, h string) []byte {
	line := append(body[:len(body)-1], hashPrefix...)
	line = append(line, h...)
	return append(line, hashSuffix...)
}

// chainHash is hex(SHA-256(prev || body)).
func chainHash(prev string, body []byte) string {
	s := sha256.New()
	s.Write([]byte(prev))
	s.Write(body)
	return hex.EncodeToString(s.Sum(nil))
}

var errMalformed = errors.New("audit: malformed stored event")

// splitLine separates a stored line into its hashed body and stored hash.
func splitLine(line []byte) (body []byte, hash string, err error) {
	tail := len(hashPrefix) + hashLen + len(hashSuffix)
	if len(line) < tail+2 || !bytes.HasSuffix(line, hashSuffix) {
		return nil, "", errMalformed
	}
	cut := len(line) - tail
	if !bytes.Equal(line[cut:cut+len(hashPrefix)], hashPrefix) {
		return nil, "", errMalformed
	}
	hash = string(line[cut+len(hashPrefix) : len(line)-len(hashSuffix)])
	body = make([]byte, 0, cut+1)
	body = append(body, line[:cut]...)
	return append(body, '}'), hash, nil
}

// decodeEntry parses a stored line. It does not check the hash.
func decodeEntry(line []byte) (Entry, error) {
	var b entryBody
	body, hash, err := splitLine(line)
	if err != nil {
		return Entry{}, err
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return Entry{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return Entry{Seq: b.Seq, PrevHash: b.PrevHash, Event: b.Event, Hash: hash}, nil
}

// MarshalJSON writes the stored form of the entry (hash last).
func (en Entry) MarshalJSON() ([]byte, error) {
	body, err := appendEntryBody(make([]byte, 0, lineCap(&en.Event)), en.Seq, en.PrevHash, &en.Event)
	if err != nil {
		return nil, err
	}
	return withHash(body, en.Hash), nil
}

// chainPoint is a position in the chain: used for the head and the anchor.
type chainPoint struct {
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
}
