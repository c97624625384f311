package oauth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// checkDetailType accepts a draft 2020-12 schema with internal
// references and refuses every external one (the library's default
// loader would read local files), malformed schemas, names and
// templates.
func TestAttackDetailTypeSchemaLoadsNothing(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(secret, []byte(`{"type":"object"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := authcore.AuthorizationDetailType{Type: "payment_initiation", ConsentTemplate: "Pay {{amount}}",
		Schema: `{"$defs":{"amt":{"type":"string"}},"type":"object","properties":{"amount":{"$ref":"#/$defs/amt"}}}`}
	if err := checkDetailType(ok); err != nil {
		t.Fatalf("valid type refused: %v", err)
	}
	for name, edit := range map[string]func(*authcore.AuthorizationDetailType){
		"file $ref":        func(d *authcore.AuthorizationDetailType) { d.Schema = `{"$ref":"file://` + secret + `"}` },
		"relative $ref":    func(d *authcore.AuthorizationDetailType) { d.Schema = `{"$ref":"` + secret + `"}` },
		"https $ref":       func(d *authcore.AuthorizationDetailType) { d.Schema = `{"$ref":"https://example.com/s.json"}` },
		"$id and file ref": func(d *authcore.AuthorizationDetailType) { d.Schema = `{"$id":"file:///","$ref":"` + secret + `"}` },
		"not JSON":         func(d *authcore.AuthorizationDetailType) { d.Schema = `{"type":` },
		"not a schema":     func(d *authcore.AuthorizationDetailType) { d.Schema = `{"type":"banana"}` },
		"bad pattern":      func(d *authcore.AuthorizationDetailType) { d.Schema = `{"pattern":"("}` },
		"too long":         func(d *authcore.AuthorizationDetailType) { d.Schema = `"` + strings.Repeat("x", maxDetailSchema) + `"` },
		"name with space":  func(d *authcore.AuthorizationDetailType) { d.Type = "pay ment" },
		"empty name":       func(d *authcore.AuthorizationDetailType) { d.Type = "" },
		"template code":    func(d *authcore.AuthorizationDetailType) { d.ConsentTemplate = `{{define "x"}}` },
		"empty template":   func(d *authcore.AuthorizationDetailType) { d.ConsentTemplate = "" },
	} {
		d := ok
		edit(&d)
		err := checkDetailType(d)
		if !errors.Is(err, ErrInvalidDetailType) {
			t.Errorf("%s: %v, want ErrInvalidDetailType", name, err)
		}
		if msg, _ := authcore.PublicMessage(err); strings.Contains(msg, secret) {
			t.Errorf("%s: the message names the file: %s", name, msg)
		}
	}
}
