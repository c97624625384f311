//go:build packaging

package packaging

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"testing"
	"unicode/utf16"
)

// Resource types (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
)

// TestWindowsExecutable: make package cross-built the desktop app for
// windows/amd64 (wails build -platform windows/amd64, no cgo): a GUI PE
// executable for AMD64 whose resources hold the icon and a version
// resource naming the product, whose version is the one the Makefile
// computed from the git tag (PKG_VERSION), not wails.json's.
func TestWindowsExecutable(t *testing.T) {
	exe := os.Getenv("LATCHKEY_WINDOWS_EXE")
	if exe == "" {
		t.Fatal("LATCHKEY_WINDOWS_EXE is unset: run make test-package")
	}
	f, err := pe.Open(exe)
	if err != nil {
		t.Fatalf("%s is not a PE executable: %v", exe, err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("machine %#x, want AMD64", f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok || oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		t.Errorf("not a 64-bit GUI executable: %T %+v", f.OptionalHeader, oh)
	}
	rsrc := f.Section(".rsrc")
	if rsrc == nil {
		t.Fatal("no .rsrc section: no icon, no version resource")
	}
	data, err := rsrc.Data()
	if err != nil {
		t.Fatal(err)
	}
	types := resourceTypes(t, data)
	for name, id := range map[string]uint32{"icon": rtIcon, "icon group": rtGroupIcon, "version": rtVersion} {
		if !types[id] {
			t.Errorf("no %s resource (type %d); types: %v", name, id, types)
		}
	}
	for _, want := range []string{"VS_VERSION_INFO", "ProductName", "Latchkey", "ProductVersion"} {
		if !bytes.Contains(data, utf16le(want)) {
			t.Errorf("the version resource lacks %q", want)
		}
	}
	checkVersion(t, data, os.Getenv("LATCHKEY_PKG_VERSION"))
}

// resourceTypes reads the root IMAGE_RESOURCE_DIRECTORY: its id entries
// are the resource types present.
func resourceTypes(t *testing.T, d []byte) map[uint32]bool {
	t.Helper()
	if len(d) < 16 {
		t.Fatal("resource directory too short")
	}
	named := int(binary.LittleEndian.Uint16(d[12:]))
	ids := int(binary.LittleEndian.Uint16(d[14:]))
	out := map[uint32]bool{}
	for i := named; i < named+ids; i++ {
		off := 16 + 8*i
		if off+8 > len(d) {
			t.Fatal("resource directory entry out of range")
		}
		out[binary.LittleEndian.Uint32(d[off:])] = true
	}
	return out
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, r)
	}
	return b
}
