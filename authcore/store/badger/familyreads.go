package badger

import (
	"bytes"
	"slices"
	"sync"

	bdg "github.com/dgraph-io/badger/v4"
)

// familyReads hands what GetRefreshFamily decoded to the
// RotateRefreshToken that follows it for the same token. A refresh reads
// the token and its grant in GetRefreshFamily, checks them, and rotates:
// the rotation's transaction must read both again (its reads are what
// make a concurrent rotation or revocation conflict), but decoding them
// twice was a sixth of a durable refresh's CPU (the grant lists its
// access tokens). The rotation still reads both records in its own
// transaction and reuses a decoded record only when the stored bytes
// are the very bytes that were decoded; anything else is decoded again.
// codeReads does the same for GetAuthCode and the RedeemAuthCode or
// ConsumeAuthCode that follows it (the code was decoded twice per
// redemption: a twentieth of a code exchange's CPU).
type (
	familyReads = decodedReads[familyRead]
	codeReads   = decodedReads[codeRead]
)

// decodedReads keeps decoded records, by the hash a later call names
// them with, for that one call.
type decodedReads[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// familyRead is one GetRefreshFamily's records, owned by the cache: the
// stored bytes and their decoded forms, shared with no caller.
type familyRead struct {
	rtRaw, gRaw []byte
	rt          refreshV1
	g           grantV1
}

// codeRead is one GetAuthCode's record, owned by the cache as
// familyRead's are.
type codeRead struct {
	raw []byte
	c   codeV1
}

// maxDecodedReads bounds the reads waiting for their write (a refresh
// or redemption that fails its checks never takes its entry); when full
// the cache starts over.
const maxDecodedReads = 128

// put keeps r for the write that names hash.
func (f *decodedReads[T]) put(hash string, r T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil || len(f.m) >= maxDecodedReads {
		f.m = make(map[string]T, 16)
	}
	f.m[hash] = r
}

// take removes and returns the read kept for hash.
func (f *decodedReads[T]) take(hash string) (T, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.m[hash]
	if ok {
		delete(f.m, hash)
	}
	return r, ok
}

// getRaw is get that also returns a copy of the stored bytes.
func getRaw(txn *bdg.Txn, k []byte, v any) ([]byte, error) {
	var raw []byte
	err := getBytes(txn, k, func(b []byte) error {
		raw = bytes.Clone(b)
		return unmarshal(b, v)
	})
	return raw, err
}

// getKnown is get for a record that may be the one decoded from known:
// then v is set to clone(decoded) instead. The read is recorded either
// way, and only bytes other than known are decoded.
func getKnown[T any](txn *bdg.Txn, k []byte, v *T, known []byte, decoded T, clone func(T) T) error {
	return getBytes(txn, k, func(b []byte) error {
		if known != nil && bytes.Equal(b, known) {
			*v = clone(decoded)
			return nil
		}
		return unmarshal(b, v)
	})
}

// clone copies r's slices: the caller may change them.
func (r refreshV1) clone() refreshV1 {
	r.Scopes = slices.Clone(r.Scopes)
	return r
}

// clone copies r's slices: the caller may change them.
func (r codeV1) clone() codeV1 {
	r.Scopes, r.Audience, r.AMR, r.Resources = slices.Clone(r.Scopes), slices.Clone(r.Audience), slices.Clone(r.AMR), slices.Clone(r.Resources)
	return r
}

// clone copies r's slices: the caller may change them.
func (r grantV1) clone() grantV1 {
	r.Scopes, r.Audience, r.AMR = slices.Clone(r.Scopes), slices.Clone(r.Audience), slices.Clone(r.AMR)
	r.Resources, r.AccessJTIs = slices.Clone(r.Resources), slices.Clone(r.AccessJTIs)
	return r
}
