// Package sealed encrypts a stream with AES-256-GCM in authenticated
// chunks (the STREAM construction): a file key derived with HKDF-SHA256
// from the installation's key and a random salt, a counter nonce per
// chunk and a flag on the last one, so a reader detects any change,
// reordering or truncation. It holds Latchkey's backups.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic opens every sealed stream (format 1).
const Magic = "LKSEAL\x00\x01"

const (
	saltLen   = 32
	chunkSize = 64 << 10
	// maxSealed bounds a chunk's stored length (plaintext plus tag).
	maxSealed = chunkSize + 16
)

// ErrOpen: the stream cannot be decrypted (another key, or the file was
// damaged or changed), or it was cut short.
var ErrOpen = errors.New("sealed: cannot decrypt: another key, or a damaged, changed or truncated file")

func aead(key, salt []byte, info string) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, key, salt, info, 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func nonce(n uint64, last bool) []byte {
	var b [12]byte
	binary.BigEndian.PutUint64(b[3:11], n)
	if last {
		b[11] = 1
	}
	return b[:]
}

// Writer seals what is written to it; Close seals the last chunk and
// must be called.
type Writer struct {
	w    io.Writer
	gcm  cipher.AEAD
	aad  []byte
	buf  []byte
	n    uint64
	done bool
}

// NewWriter writes the header to w and returns a Writer sealing with a
// key derived from key for the purpose info (the same on both sides).
func NewWriter(w io.Writer, key []byte, info string) (*Writer, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	gcm, err := aead(key, salt, info)
	if err != nil {
		return nil, err
	}
	hdr := append([]byte(Magic), salt...)
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &Writer{w: w, gcm: gcm, aad: hdr, buf: make([]byte, 0, chunkSize)}, nil
}

// Write buffers p, sealing each full chunk.
func (s *Writer) Write(p []byte) (int, error) {
	if s.done {
		return 0, errors.New("sealed: write after close")
	}
	total := len(p)
	for len(p) > 0 {
		n := copy(s.buf[len(s.buf):chunkSize], p)
		s.buf, p = s.buf[:len(s.buf)+n], p[n:]
		if len(s.buf) == chunkSize && len(p) > 0 {
			if err := s.flush(false); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

func (s *Writer) flush(last bool) error {
	out := s.gcm.Seal(make([]byte, 4, 4+len(s.buf)+16), nonce(s.n, last), s.buf, s.aad)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	s.n++
	s.buf = s.buf[:0]
	_, err := s.w.Write(out)
	return err
}

// Close seals the last chunk (possibly empty). It does not close the
// underlying writer.
func (s *Writer) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	return s.flush(true)
}

// Reader opens a sealed stream; it returns ErrOpen for anything that
// does not authenticate, including a stream that ends before its last
// chunk.
type Reader struct {
	r    io.Reader
	gcm  cipher.AEAD
	aad  []byte
	buf  []byte
	n    uint64
	last bool
}

// NewReader reads the header from r and returns a Reader.
func NewReader(r io.Reader, key []byte, info string) (*Reader, error) {
	hdr := make([]byte, len(Magic)+saltLen)
	if _, err := io.ReadFull(r, hdr); err != nil || string(hdr[:len(Magic)]) != Magic {
		return nil, errors.New("sealed: not a sealed Latchkey file")
	}
	gcm, err := aead(key, hdr[len(Magic):], info)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, gcm: gcm, aad: hdr}, nil
}

// Read returns the opened bytes.
func (s *Reader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.last {
			return 0, io.EOF
		}
		if err := s.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *Reader) next() error {
	var l [4]byte
	if _, err := io.ReadFull(s.r, l[:]); err != nil {
		return fmt.Errorf("%w (%v)", ErrOpen, err)
	}
	size := binary.BigEndian.Uint32(l[:])
	if size < 16 || size > maxSealed {
		return ErrOpen
	}
	ct := make([]byte, size)
	if _, err := io.ReadFull(s.r, ct); err != nil {
		return fmt.Errorf("%w (%v)", ErrOpen, err)
	}
	// The last flag is in the nonce: try it as a middle chunk, then as
	// the last one; only one can authenticate.
	pt, err := s.gcm.Open(ct[:0:0], nonce(s.n, false), ct, s.aad)
	if err != nil {
		if pt, err = s.gcm.Open(ct[:0:0], nonce(s.n, true), ct, s.aad); err != nil {
			return ErrOpen
		}
		s.last = true
		var extra [1]byte
		if n, _ := io.ReadFull(s.r, extra[:]); n > 0 {
			return ErrOpen // bytes after the last chunk
		}
	}
	s.n++
	s.buf = pt
	return nil
}
