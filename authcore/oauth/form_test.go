package oauth

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestIsFormType: the shortcut for the bare media type agrees with
// mime.ParseMediaType, which decided alone before.
func TestIsFormType(t *testing.T) {
	for _, ct := range []string{
		"application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded",
		"application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded;",
		" application/x-www-form-urlencoded", "application/x-www-form-urlencoded ",
		"application/json", "", "application/x-www-form-urlencoded; charset", "multipart/form-data; boundary=x",
		"application/x-www-form-urlencodedx", "application/x-www-form-urlencoded, text/plain",
	} {
		mt, _, err := mime.ParseMediaType(ct)
		if want := err == nil && mt == formType; isFormType(ct) != want {
			t.Errorf("%q: %v, mime says %v", ct, !want, want)
		}
	}
}

// FuzzReadAllSized: for any body and any announced size, readAllSized
// returns what io.ReadAll returns, whatever the reads' sizes.
func FuzzReadAllSized(f *testing.F) {
	f.Add([]byte("token=abc"), int64(9), int64(64), uint8(0))
	f.Add([]byte("token=abc"), int64(3), int64(64), uint8(1))
	f.Add([]byte("token=abcdef"), int64(100), int64(8), uint8(2))
	f.Add([]byte{}, int64(0), int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, size, limit int64, mode uint8) {
		read := func() io.Reader {
			var r io.Reader = bytes.NewReader(body)
			switch mode % 4 {
			case 1:
				r = iotest.OneByteReader(r)
			case 2:
				r = iotest.HalfReader(r)
			case 3:
				r = iotest.DataErrReader(r)
			}
			return r
		}
		want, werr := io.ReadAll(read())
		got, gerr := readAllSized(read(), size, limit)
		if !bytes.Equal(got, want) || !errors.Is(gerr, werr) {
			t.Fatalf("size %d limit %d mode %d: got %q %v, want %q %v", size, limit, mode, got, gerr, want, werr)
		}
	})
}

// TestReadBodyLimits: a body past the limit is 413 whether its
// Content-Length announced it or not, and one within it is read whole.
func TestReadBodyLimits(t *testing.T) {
	const limit = 16
	for _, tc := range []struct {
		body     string
		declared int64 // -1: unknown
		status   int   // 0: read
	}{
		{"token=0123456789", 16, 0},
		{"token=0123456789", -1, 0},
		{"token=01234567890", 17, http.StatusRequestEntityTooLarge},
		{"token=01234567890", -1, http.StatusRequestEntityTooLarge},
		{"", 0, 0},
	} {
		r := httptest.NewRequest("POST", "/token", strings.NewReader(tc.body))
		r.ContentLength = tc.declared
		r.Header.Set("Content-Type", formType)
		got, err := readBody(httptest.NewRecorder(), r, limit)
		var oe *Error
		switch {
		case tc.status == 0 && (err != nil || got != tc.body):
			t.Errorf("%q (%d): %q %v", tc.body, tc.declared, got, err)
		case tc.status != 0 && (!errors.As(err, &oe) || oe.Status != tc.status):
			t.Errorf("%q (%d): %v, want status %d", tc.body, tc.declared, err, tc.status)
		}
	}
}
