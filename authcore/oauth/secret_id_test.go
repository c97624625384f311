package oauth

import (
	"bytes"
	"strings"
	"testing"
)

// A client or grant id never starts with '-' or '_': an id a shell passes
// as `latchkey client update ID` must not read as a flag. The draws that
// would start so are thrown away, not patched, so the id stays uniform
// over the ids that may start it.
func TestNewIDStartsWithLetterOrDigit(t *testing.T) {
	src := bytes.NewReader(append(append(bytes.Repeat([]byte{0xF8}, 16), bytes.Repeat([]byte{0xFC}, 16)...),
		bytes.Repeat([]byte{0x00}, 16)...))
	s := &Server{rand: src}
	id, err := s.newID()
	if err != nil {
		t.Fatal(err)
	}
	if id != strings.Repeat("A", 21)+"A" || src.Len() != 0 {
		t.Fatalf("id %q, %d bytes left", id, src.Len())
	}
	if _, err := s.newID(); err == nil {
		t.Fatal("an exhausted source gave an id")
	}
}
