package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// ChildPopulate is the child mode that fills a stopped server's store.
const ChildPopulate = "populate"

// PopulateResult is what populate mode prints (one JSON line).
type PopulateResult struct {
	Records    int     `json:"records"`     // live records now in the store
	StoreBytes int64   `json:"store_bytes"` // the store's allocated size on disk after closing
	Seconds    float64 `json:"seconds"`
}

// Populate adds records from..to-1 to the store of dataDir (which no
// server may hold open) through open (lkbench passes Badger's), the
// store's own API, so the records are exactly what the server writes:
//
//   - even i: a grant of clientID to a user, as a code redemption makes it
//     (30-day family, one access token listed), with its first refresh
//     token (CreateGrant: two keys);
//   - odd i: an access-token revocation in force for 24 h
//     (RevokeAccessToken).
//
// Syncs are off for the fill (one fsync at Close instead of one per
// record); the server measured afterwards syncs as always. It writes the
// result as JSON to out.
func Populate(open OpenStore, dataDir, clientID string, from, to int, out io.Writer) error {
	key, err := readEncryptionKey(dataDir)
	if err != nil {
		return err
	}
	store := filepath.Join(dataDir, "store")
	st, err := open(store, key, true)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ctx := context.Background()
	now := time.Now()
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := from + g; i < to; i += workers {
				if err := putRecord(ctx, st, clientID, i, now); err != nil {
					errs <- fmt.Errorf("bench: populate record %d: %w", i, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		st.Close()
		return err
	}
	if err := settle(ctx, st); err != nil {
		st.Close()
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	size, err := allocated(store)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(PopulateResult{Records: to, StoreBytes: size, Seconds: time.Since(t0).Seconds()})
}

// settle waits, when the store can say, until its compactions have
// caught up with the fill (badger.Store.Settle): the fill writes far
// faster than a server does, and a server that has run for a while keeps
// its tree within Badger's targets. Without it the server measured next
// spends its first minute rewriting the tree, and the scale step would
// read that compaction's memory rather than the records'.
func settle(ctx context.Context, st authcore.Storage) error {
	s, ok := st.(interface{ Settle(context.Context) error })
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := s.Settle(ctx); err != nil {
		return fmt.Errorf("bench: populate: the store's compactions did not catch up: %w", err)
	}
	return nil
}

func putRecord(ctx context.Context, st authcore.Storage, clientID string, i int, now time.Time) error {
	jti := randomString(16)
	if i%2 == 1 {
		return st.RevokeAccessToken(ctx, authcore.Revocation{JTI: jti, ExpiresAt: now.Add(24 * time.Hour), RevokedAt: now})
	}
	id := fmt.Sprintf("bench-%09d", i)
	scopes := []string{"openid", "profile", "offline_access", "orders:read"}
	sum := sha256.Sum256([]byte(randomString(32)))
	user := fmt.Sprintf("bench-user-%06d", i%100000)
	g := authcore.Grant{
		ID: id, ClientID: clientID, UserID: user, Scopes: scopes, AuthTime: now, CreatedAt: now,
		ExpiresAt:  now.Add(30 * 24 * time.Hour),
		AccessJTIs: []authcore.IssuedToken{{JTI: jti, ExpiresAt: now.Add(10 * time.Minute)}},
		SessionID:  randomString(16),
	}
	rt := authcore.RefreshToken{Hash: hex.EncodeToString(sum[:]), GrantID: id, ClientID: clientID, UserID: user,
		Scopes: scopes, ExpiresAt: g.ExpiresAt, CreatedAt: now}
	return st.CreateGrant(ctx, g, &rt)
}

func randomString(n int) string {
	b := make([]byte, n)
	randRead(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// readEncryptionKey reads the key `latchkey` keeps in DIR/encryption.key
// (64 hex digits), or none for an unencrypted data directory.
func readEncryptionKey(dataDir string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv("LATCHKEY_ENCRYPTION_KEY")); v != "" {
		return decodeKey(v)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "encryption.key"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeKey(strings.TrimSpace(string(raw)))
}

func decodeKey(v string) ([]byte, error) {
	if k, err := hex.DecodeString(v); err == nil && len(k) == 32 {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(v); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, fmt.Errorf("bench: encryption key: want 32 bytes as hex or base64")
}

// allocated is the disk space the files under dir occupy (blocks, so a
// sparse, preallocated value log counts only what was written).
func allocated(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += blocks(info)
		return nil
	})
	return total, err
}
