package tsgen_test

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/internal/tsgen"
	"github.com/latchkey/latchkey/app/internal/tsgen/fixture"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.ts")

func config() tsgen.Config {
	return tsgen.Config{
		Receiver:   reflect.TypeFor[fixture.Service](),
		Interface:  "Methods",
		Names:      map[string]string{"other.Item": "OtherItem"},
		Structural: []string{"fixture.Stamped"},
		Header:     "The fixture's API.",
		Command:    "tsgen_test",
	}
}

// TestGenerateGolden checks the exact output for a fixture holding every
// shape: embedded and hidden fields, omitempty, ",string", time, raw JSON,
// pointers, maps, anonymous structs, a renamed collision, a structural
// Marshaler, parameter names and doc comments from the source. Run with
// -update after a deliberate change.
func TestGenerateGolden(t *testing.T) {
	var b bytes.Buffer
	if err := tsgen.Generate(&b, config()); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/fixture.ts"
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("output differs from %s (go test -run TestGenerateGolden -update to accept):\n%s", golden, got)
	}
}

// TestGenerateRefuses lists configurations whose JSON the generator cannot
// state truthfully: it must fail instead of guessing.
func TestGenerateRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*tsgen.Config)
		want string
	}{
		{"collision without a rename", func(c *tsgen.Config) { c.Names = nil }, "are both Item"},
		{"marshaler not declared structural", func(c *tsgen.Config) { c.Structural = nil }, "fixture.Stamped implements json.Marshaler"},
		{"method without an error result", func(c *tsgen.Config) { c.Receiver = reflect.TypeFor[noError]() }, "returns neither error nor (T, error)"},
		{"channel in a DTO", func(c *tsgen.Config) { c.Receiver = reflect.TypeFor[withChan]() }, "cannot express chan int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config()
			tt.edit(&cfg)
			var b bytes.Buffer
			err := tsgen.Generate(&b, cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate: %v, want an error containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("Generate wrote %d bytes despite the error", b.Len())
			}
		})
	}
}

type noError struct{}

func (noError) Count() int { return 0 }

type withChan struct{}

func (withChan) Feed() (chan int, error) { return nil, nil }
