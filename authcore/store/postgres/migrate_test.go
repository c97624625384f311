package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/authcore/testsupport/pgtest"
)

// TestMigrationsOnceAcrossNodes opens five stores on one empty schema at
// the same moment, as five nodes starting together would: each migration
// is applied exactly once (the advisory lock), every Open succeeds, and
// the schema ends at the binary's version.
func TestMigrationsOnceAcrossNodes(t *testing.T) {
	dsn := pgtest.Schema(t)
	const nodes = 5
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), Options{DSN: dsn, EncryptionKey: testKey, Migrate: true})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	s := openTest(t, Options{DSN: dsn})
	st, err := Status(s.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != LatestVersion() || st.Dirty || len(st.Pending) != 0 {
		t.Errorf("status after concurrent opens: %+v", st)
	}
	var rows int
	if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+migrationsTable).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%s has %d rows, want 1", migrationsTable, rows)
	}
}

// TestSchemaVersionRefusals: without Migrate, Open refuses an empty or
// older schema and says what to run; it always refuses a newer one; a
// dirty one stops every node.
func TestSchemaVersionRefusals(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	_, err := Open(ctx, Options{DSN: dsn, EncryptionKey: testKey})
	if !errors.Is(err, ErrSchemaOutdated) || !strings.Contains(err.Error(), "latchkey migrate up") || !strings.Contains(err.Error(), "--migrate") {
		t.Errorf("Open on an empty schema: %v, want ErrSchemaOutdated naming migrate up and --migrate", err)
	}
	s := openTest(t, Options{DSN: dsn}) // migrates
	set := func(v uint, dirty bool) {
		t.Helper()
		if _, err := s.Pool().Exec(ctx, `UPDATE `+migrationsTable+` SET version = $1, dirty = $2`, v, dirty); err != nil {
			t.Fatal(err)
		}
	}
	set(LatestVersion()+1, false)
	for _, migrate := range []bool{false, true} {
		_, err = Open(ctx, Options{DSN: dsn, EncryptionKey: testKey, Migrate: migrate})
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "newer Latchkey") {
			t.Errorf("Open (migrate=%v) on a newer schema: %v, want ErrSchemaTooNew", migrate, err)
		}
	}
	set(LatestVersion(), true)
	_, err = Open(ctx, Options{DSN: dsn, EncryptionKey: testKey, Migrate: true})
	if !errors.Is(err, ErrSchemaDirty) {
		t.Errorf("Open on a dirty schema: %v, want ErrSchemaDirty", err)
	}
	set(LatestVersion(), false)
	st, err := Status(s.Pool())
	if err != nil || st.Current != LatestVersion() {
		t.Errorf("Status = %+v, %v", st, err)
	}
}
