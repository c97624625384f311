//go:build packaging

package packaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"unicode/utf16"
)

// fixedSignature opens VS_FIXEDFILEINFO (verrsrc.h).
const fixedSignature = 0xFEEF04BD

// checkVersion checks the version resource in the resource section data
// against the version the Makefile computed: the FileVersion and
// ProductVersion strings are want, and the fixed file and product
// versions its leading major.minor.patch (then 0).
func checkVersion(t *testing.T, data []byte, want string) {
	t.Helper()
	if want == "" {
		t.Fatal("LATCHKEY_PKG_VERSION is unset: run make test-package")
	}
	for _, key := range []string{"FileVersion", "ProductVersion"} {
		got, ok := versionString(data, key)
		if !ok || got != want {
			t.Errorf("the version resource's %s is %q (found: %v), want %q (the Makefile's PKG_VERSION)", key, got, ok, want)
		}
	}
	var a, b, c uint16
	fmt.Sscanf(want, "%d.%d.%d", &a, &b, &c)
	wantFixed := [4]uint16{a, b, c, 0}
	i := bytes.Index(data, binary.LittleEndian.AppendUint32(nil, fixedSignature))
	if i < 0 || i+24 > len(data) {
		t.Fatal("the version resource has no VS_FIXEDFILEINFO")
	}
	for name, off := range map[string]int{"file": 8, "product": 16} {
		ms, ls := binary.LittleEndian.Uint32(data[i+off:]), binary.LittleEndian.Uint32(data[i+off+4:])
		got := [4]uint16{uint16(ms >> 16), uint16(ms), uint16(ls >> 16), uint16(ls)}
		if got != wantFixed {
			t.Errorf("the fixed %s version is %v, want %v (from %q)", name, got, wantFixed, want)
		}
	}
}

// versionString returns the value of the String structure key in a
// StringTable: wLength, wValueLength (in words, with the NUL), wType,
// szKey (UTF-16, NUL-terminated), padding to 32 bits, Value.
func versionString(data []byte, key string) (string, bool) {
	k := append(utf16le(key), 0, 0)
	i := bytes.Index(data, k)
	if i < 6 {
		return "", false
	}
	words := int(binary.LittleEndian.Uint16(data[i-4:]))
	start := (i + len(k) + 3) &^ 3
	if words == 0 || start+2*words > len(data) {
		return "", false
	}
	u := make([]uint16, 0, words)
	for j := range words {
		u = append(u, binary.LittleEndian.Uint16(data[start+2*j:]))
	}
	return string(utf16.Decode(bytes16(u))), true
}

// bytes16 drops the terminating NULs.
func bytes16(u []uint16) []uint16 {
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return u
}
