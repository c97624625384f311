package badger

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
)

// A grant's access tokens live under their own keys,
// v1/grant-at/<grant>/<expiry>/<jti> (an issuedV1 with the token's TTL),
// not in the grant's record. A refresh rotation adds one small key
// instead of rewriting a list that grew with every rotation: decoding and
// encoding a grant that lists 20 tokens cost ~35 µs, an eighth of a
// durable rotation's CPU. The expiry, zero-padded nanoseconds, orders a
// grant's tokens as they were issued. A grant written before lists its
// tokens in its record (access_tokens); reads merge the two, and the
// next write of the grant moves them to their keys.

func accessKey(grantID string, t issuedV1) []byte {
	return key(kindGrantAT, grantID, fmt.Sprintf("%020d", max(t.ExpiresAt.UnixNano(), 0)), t.JTI)
}

// putAccess stores t as an access token of grant grantID.
func putAccess(txn *bdg.Txn, grantID string, t issuedV1) error {
	return put(txn, accessKey(grantID, t), t, t.ExpiresAt)
}

// moveAccess moves the tokens r's record lists to their own keys,
// dropping those expired at now, before r is written again.
func (r *grantV1) moveAccess(txn *bdg.Txn, now time.Time) error {
	for _, t := range r.AccessJTIs {
		if expired(t.ExpiresAt, now) {
			continue
		}
		if err := putAccess(txn, r.ID, t); err != nil {
			return err
		}
	}
	r.AccessJTIs = nil
	return nil
}

// accessOf reads the tokens under the keys of grant grantID (Badger's
// TTL hides those long expired).
func accessOf(txn *bdg.Txn, grantID string) ([]issuedV1, error) {
	var out []issuedV1
	err := scan(txn, prefix(kindGrantAT, grantID), func(_, v []byte) error {
		var t issuedV1
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// accessByGrant reads every grant's tokens under their keys, by grant ID.
func accessByGrant(txn *bdg.Txn) (map[string][]issuedV1, error) {
	out := map[string][]issuedV1{}
	p := prefix(kindGrantAT)
	err := scan(txn, p, func(k, v []byte) error {
		grant, _, ok := strings.Cut(strings.TrimPrefix(string(k), string(p)), "/")
		if !ok {
			return nil
		}
		var t issuedV1
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		id := unescape(grant)
		out[id] = append(out[id], t)
		return nil
	})
	return out, err
}
