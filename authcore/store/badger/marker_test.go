package badger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/authcore"
)

// The open counts the lasting kinds only (a full count reads every table
// of a large store): the marker it saves has their counts of now and the
// other kinds' of the last full count, which Close makes again.
func TestOpenCountsLastingKindsOnly(t *testing.T) {
	opts := copyStore(t, populate(t)) // marker: 3 clients, 1 key, 50 grants
	ctx := context.Background()
	now := time.Now()
	plain := opts
	plain.Marker = "" // writes the marker does not see
	s, err := Open(plain)
	must(t, err)
	for i := range 2 {
		must(t, s.CreateClient(ctx, authcore.Client{ID: fmt.Sprintf("new-%d", i), Name: "n", CreatedAt: now}))
	}
	for i := range 10 {
		must(t, s.CreateGrant(ctx, authcore.Grant{ID: fmt.Sprintf("new-g%d", i), ClientID: "client-0", UserID: "user-0",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, nil))
	}
	must(t, s.Close())

	s, err = Open(opts)
	must(t, err)
	m, err := readMarker(opts.Marker)
	must(t, err)
	if m.Counts[kindClient] != 5 || m.Counts[kindKey] != 1 || m.Counts[kindGrant] != 50 {
		t.Errorf("marker after the open: %v, want 5 clients and 1 key counted now, 50 grants kept", m.Counts)
	}
	must(t, s.Close())
	m, err = readMarker(opts.Marker)
	must(t, err)
	if m.Counts[kindClient] != 5 || m.Counts[kindGrant] != 60 {
		t.Errorf("marker after Close: %v, want 5 clients and 60 grants", m.Counts)
	}
}

// A server that created its first client and key and then died before
// any full count (no Close, no refresh) has them in its marker as soon
// as the next open returns: a wipe after that is refused.
func TestMarkerRecordsLastingKindsAtOpen(t *testing.T) {
	root := t.TempDir()
	opts := Options{Dir: filepath.Join(root, "store"), Marker: filepath.Join(root, "store.json"), EncryptionKey: testKey}
	s, err := Open(opts) // a new installation: the marker counts nothing
	must(t, err)
	atCrash, err := os.ReadFile(opts.Marker)
	must(t, err)
	ctx := context.Background()
	now := time.Now()
	must(t, s.CreateClient(ctx, authcore.Client{ID: "console", Name: "c", CreatedAt: now}))
	must(t, s.PutSigningKeys(ctx, authcore.SigningKey{ID: "k1", Algorithm: "ES256", State: authcore.KeyActive, CreatedAt: now}))
	img := crashImage(t, s, opts.Dir)
	must(t, s.Close())
	must(t, os.WriteFile(opts.Marker, atCrash, 0o600)) // the crash left it as the open wrote it

	crashed := opts
	crashed.Dir = img
	s, err = Open(crashed)
	must(t, err)
	m, err := readMarker(opts.Marker)
	must(t, err)
	if m.Counts[kindClient] != 1 || m.Counts[kindKey] != 1 {
		t.Errorf("marker while the store is open: %v, want 1 client and 1 key", m.Counts)
	}
	// Died again (no count at Close), then the store was wiped.
	s.closeOnce.Do(func() {
		s.trim.Stop()
		close(s.stopMarker)
		<-s.markerDone
		must(t, s.db.Close())
	})
	must(t, os.RemoveAll(img))
	if s, err := Open(crashed); !errors.Is(err, ErrStoreLost) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("a wiped store opened: %v, want ErrStoreLost", err)
	}
}
