package badger

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	first := openTest(t, Options{Dir: dir})

	second, err := Open(Options{Dir: dir})
	if err == nil {
		_ = second.Close()
		t.Fatal("second Open of the same directory succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("badger: data directory %s is in use by another Latchkey process (pid %d)", dir, os.Getpid())
	if err.Error() != want {
		t.Errorf("message:\n got %q\nwant %q", err.Error(), want)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, pidFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after Close: %v", err)
	}
	again := openTest(t, Options{Dir: dir})
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

// snapshot hashes every file in dir but Badger's LOCK (which Badger
// creates and removes around every open attempt).
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "LOCK" {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWrongEncryptionKey(t *testing.T) {
	ctx := context.Background()
	keyA, keyB := []byte(strings.Repeat("a", 32)), []byte(strings.Repeat("b", 32))
	encrypted, plain := t.TempDir(), t.TempDir()
	for dir, key := range map[string][]byte{encrypted: keyA, plain: nil} {
		s, err := Open(Options{Dir: dir, EncryptionKey: key})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutSetting(ctx, "issuer", []byte("https://as.example")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	for name, tc := range map[string]struct {
		dir string
		key []byte
	}{
		"other key":               {encrypted, keyB},
		"no key":                  {encrypted, nil},
		"key for plain data":      {plain, keyA},
		"prefix of the right key": {encrypted, keyA[:16]},
	} {
		before := snapshot(t, tc.dir)
		s, err := Open(Options{Dir: tc.dir, EncryptionKey: tc.key})
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: Open succeeded", name)
			continue
		}
		if !errors.Is(err, ErrWrongEncryptionKey) {
			t.Errorf("%s: %v, want ErrWrongEncryptionKey", name, err)
		}
		if !strings.Contains(err.Error(), tc.dir) {
			t.Errorf("%s: message %q does not name the directory", name, err)
		}
		if after := snapshot(t, tc.dir); !maps.Equal(before, after) {
			t.Errorf("%s: files changed by the failed open", name)
		}
	}

	for dir, key := range map[string][]byte{encrypted: keyA, plain: nil} {
		s := openTest(t, Options{Dir: dir, EncryptionKey: key})
		v, err := s.GetSetting(ctx, "issuer")
		if err != nil || string(v) != "https://as.example" {
			t.Errorf("%s after failed opens: %q, %v", dir, v, err)
		}
	}
}

// TestEncryptedAtRest checks that a secret written to an encrypted store
// is in none of its files, and (as a control) is in a plain store's.
func TestEncryptedAtRest(t *testing.T) {
	secret := "PRIVATE-KEY-MATERIAL-" + strconv.Itoa(os.Getpid())
	for _, key := range [][]byte{make([]byte, 16), nil} {
		dir := t.TempDir()
		s, err := Open(Options{Dir: dir, EncryptionKey: key})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutSigningKeys(context.Background(), authcore.SigningKey{ID: "k1", PrivateDER: []byte(secret)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		found := false
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				found = found || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte(secret)))
			}
			return err
		})
		if encrypted := key != nil; found == encrypted {
			t.Errorf("encrypted=%v: secret found in clear = %v", encrypted, found)
		}
	}
}
