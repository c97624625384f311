package authcore

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRenderConsent(t *testing.T) {
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"type":"payment_initiation","amount":"12.50","currency":"EUR",
		"instructedAmount":{"amount":12.5,"ok":true},"creditor":{"name":"<b>Shop</b>"},"ids":[1,2],"none":null,
		"long":"` + strings.Repeat("x", 300) + `"}`))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ tmpl, want string }{
		{"Pay {{amount}} {{currency}}", "Pay 12.50 EUR"},
		{"Pay {{ instructedAmount.amount }} ({{instructedAmount.ok}})", "Pay 12.5 (true)"},
		{"To {{creditor.name}}", "To <b>Shop</b>"}, // text: the page escapes it
		{"Ids {{ids}} and {{creditor}}", `Ids [1,2] and {"name":"\u003cb\u003eShop\u003c/b\u003e"}`},
		{"{{missing}} {{none}} {{amount.deeper}}", "(none) (none) (none)"},
		{"{{long}}", strings.Repeat("x", 200) + "…"},
		{"No placeholders", "No placeholders"},
		{"{{.}} {{type}}", "{{.}} payment_initiation"}, // not a placeholder: left as text
	} {
		if got := RenderConsent(tc.tmpl, obj); got != tc.want {
			t.Errorf("RenderConsent(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
}

func TestValidConsentTemplate(t *testing.T) {
	for tmpl, ok := range map[string]bool{
		"Pay {{amount}} {{currency}} to {{creditorName}}": true,
		"Read {{ account.iban }}":                         true,
		"Plain words":                                     true,
		"":                                                false,
		"   ":                                             false,
		"{{.}}":                                           false,
		"{{amount | html}}":                               false,
		`{{template "x"}}`:                                false,
		"{{amount}":                                       false,
		strings.Repeat("x", MaxConsentTemplate+1): false,
	} {
		if err := ValidConsentTemplate(tmpl); (err == nil) != ok {
			t.Errorf("ValidConsentTemplate(%q) = %v, want ok=%v", tmpl, err, ok)
		}
	}
}
