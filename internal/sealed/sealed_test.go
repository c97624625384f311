package sealed

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

func seal(t *testing.T, key, plain []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, key, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes cross chunk boundaries.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7919)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func open(key, file []byte, info string) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(file), key, info)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17} {
		plain := make([]byte, size)
		rand.Read(plain)
		file := seal(t, key, plain)
		got, err := open(key, file, "test")
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("size %d: err %v, equal %v", size, err, bytes.Equal(got, plain))
		}
		if bytes.Contains(file, plain[:min(size, 64)]) && size >= 16 {
			t.Errorf("size %d: the plaintext is in the sealed file", size)
		}
	}
}

// TestTamperRefused: every change a reader must notice is ErrOpen.
func TestTamperRefused(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	plain := make([]byte, 3*chunkSize+100)
	rand.Read(plain)
	file := seal(t, key, plain)
	hdr := len(Magic) + saltLen
	chunk := 4 + chunkSize + 16
	swapped := append([]byte(nil), file...)
	copy(swapped[hdr:], file[hdr+chunk:hdr+2*chunk])
	copy(swapped[hdr+chunk:], file[hdr:hdr+chunk])
	for name, c := range map[string]struct {
		key, file []byte
		info      string
	}{
		"another key":         {bytes.Repeat([]byte{8}, 32), file, "test"},
		"another purpose":     {key, file, "other"},
		"a flipped byte":      {key, flip(file, hdr+chunk+100), "test"},
		"a flipped salt":      {key, flip(file, len(Magic)+3), "test"},
		"cut at a chunk":      {key, file[:hdr+2*chunk], "test"},
		"cut inside a chunk":  {key, file[:len(file)-5], "test"},
		"chunks swapped":      {key, swapped, "test"},
		"bytes after the end": {key, append(append([]byte(nil), file...), 0), "test"},
		"the last chunk gone": {key, file[:hdr+3*chunk], "test"},
	} {
		if _, err := open(c.key, c.file, c.info); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err %v, want ErrOpen", name, err)
		}
	}
	if _, err := open(key, []byte("not a backup at all, just text"), "test"); err == nil || errors.Is(err, ErrOpen) {
		t.Errorf("not sealed: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}
