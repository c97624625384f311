package keys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// Manager owns the signing keys: it signs and verifies the server's JWTs,
// serves the JWKS (RFC 7517 §5), and moves keys through their lifecycle.
// It is safe for concurrent use.
type Manager struct {
	cfg       Config
	set       atomic.Pointer[keyset]
	mu        sync.Mutex // serialises Reload and lifecycle changes
	validator *jwt.Validator
	cache     string // Cache-Control of the JWKS
}

// keyset is one immutable snapshot of the keys, swapped atomically.
type keyset struct {
	recs   []authcore.SigningKey // every stored key, PrivateDER dropped, JWKS order
	byKID  map[string]*material  // published keys (next, active, retired): Verify's set
	signer map[string]*material  // algorithm -> the active key that signs
	live   map[string]*liveCount // kid -> live tokens it signed
	jwks   []byte
	etag   string
	// version is the store's keyset version the snapshot was read at
	// (or written as); Follow reloads when the store's moves on.
	version int64
}

// New loads the keyset from cfg.Store and, before returning, creates what
// is missing: an active and a published next key for every algorithm in
// cfg.Algorithms. Keys are never generated lazily on a request.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{jwt.WithLeeway(cfg.Leeway), jwt.WithTimeFunc(cfg.Now),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt()}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	m := &Manager{cfg: cfg, validator: jwt.NewValidator(opts...),
		cache: "public, max-age=" + strconv.FormatInt(int64(cfg.JWKSMaxAge.Seconds()), 10)}
	if err := m.change(ctx, actorSystem, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// Reload reads the keyset from the store again, so that changes made by
// another process on the same store (a CLI `latchkey key rotate`, another
// node) take effect here. It changes nothing in the store.
func (m *Manager) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ver, recs, err := m.load(ctx)
	if err != nil {
		return fmt.Errorf("keys: reload: %w", err)
	}
	ks, err := m.build(recs)
	if err != nil {
		return err
	}
	ks.version = ver
	m.set.Store(ks)
	return nil
}

// load reads the keyset's version, then its keys. A change landing
// between the two reads leaves keys newer than the version, which only
// makes the next swap conflict, or the next Follow round reload.
func (m *Manager) load(ctx context.Context) (int64, []authcore.SigningKey, error) {
	ver, err := m.cfg.Store.SigningKeysVersion(ctx)
	if err != nil {
		return 0, nil, err
	}
	recs, err := m.cfg.Store.ListSigningKeys(ctx)
	return ver, recs, err
}

// DefaultAlgorithm is the algorithm Sign uses when asked for "".
func (m *Manager) DefaultAlgorithm() string { return m.cfg.Algorithms[0] }

// Algorithms lists the algorithms with an active key, the default first,
// for the *_signing_alg_values_supported metadata (RFC 8414 §2).
func (m *Manager) Algorithms() []string { return slices.Clone(m.cfg.Algorithms) }

// JWKS returns the public key set (RFC 7517 §5) of every next, active and
// retired key, and its strong ETag. The body is rebuilt only when the keys
// change; callers must not modify it.
func (m *Manager) JWKS() (body []byte, etag string) {
	ks := m.set.Load()
	return ks.jwks, ks.etag
}

// build parses recs into a snapshot, reusing the parsed material of the
// current snapshot for kids it already holds.
func (m *Manager) build(recs []authcore.SigningKey) (*keyset, error) {
	old := m.set.Load()
	ks := &keyset{byKID: map[string]*material{}, signer: map[string]*material{}, live: map[string]*liveCount{}}
	ks.recs = make([]authcore.SigningKey, len(recs))
	for i, r := range recs {
		r.PrivateDER = nil
		ks.recs[i] = r
	}
	slices.SortFunc(ks.recs, m.order)
	signedAt := map[string]authcore.SigningKey{}
	for i, r := range recs {
		switch r.State {
		case authcore.KeyNext, authcore.KeyActive, authcore.KeyRetired:
		default:
			if old != nil && old.live[r.ID] != nil {
				ks.live[r.ID] = old.live[r.ID]
			}
			continue
		}
		var mat *material
		if old != nil && old.byKID[r.ID] != nil && old.byKID[r.ID].alg == r.Algorithm {
			mat = old.byKID[r.ID]
		} else {
			var err error
			if mat, err = parse(recs[i]); err != nil {
				return nil, err
			}
		}
		ks.byKID[r.ID], ks.live[r.ID] = mat, mat.live
		if cur, ok := signedAt[r.Algorithm]; r.State == authcore.KeyActive && (!ok || r.ActivatedAt.After(cur.ActivatedAt)) {
			signedAt[r.Algorithm] = r
			ks.signer[r.Algorithm] = mat
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	n := 0
	for _, r := range ks.recs {
		if mat := ks.byKID[r.ID]; mat != nil {
			if n > 0 {
				b.WriteByte(',')
			}
			b.Write(mat.jwk)
			n++
		}
	}
	b.WriteString("]}")
	if old != nil && bytes.Equal(old.jwks, b.Bytes()) {
		ks.jwks, ks.etag = old.jwks, old.etag
	} else {
		sum := sha256.Sum256(b.Bytes())
		ks.jwks, ks.etag = b.Bytes(), `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`
	}
	return ks, nil
}

// order sorts keys as the JWKS and Keys list them: active, next, retired,
// revoked; then by configured algorithm; newest first.
func (m *Manager) order(a, b authcore.SigningKey) int {
	rank := func(s authcore.KeyState) int {
		return last(slices.Index([]authcore.KeyState{authcore.KeyActive, authcore.KeyNext, authcore.KeyRetired, authcore.KeyRevoked}, s))
	}
	algIdx := func(alg string) int { return last(slices.Index(m.cfg.Algorithms, alg)) }
	if c := rank(a.State) - rank(b.State); c != 0 {
		return c
	}
	if c := algIdx(a.Algorithm) - algIdx(b.Algorithm); c != 0 {
		return c
	}
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// last sorts a not-found index (-1) after every found one.
func last(i int) int {
	if i < 0 {
		return 1 << 16
	}
	return i
}
