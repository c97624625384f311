package login

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"
)

// TestOneBrandOnEveryPage: every page a person sees (sign-in, consent,
// device, sign-out, message) carries the console's mark, the key on an
// indigo square, and the console's indigo for buttons and links, and none
// of the former green; the mark is inline SVG, so the page still needs no
// image source, no script and no style attribute under its CSP.
func TestOneBrandOnEveryPage(t *testing.T) {
	for _, green := range []string{"#047857", "#065f46", "#34d399", "#a7f3d0", "#059669"} {
		if strings.Contains(styleCSS, green) {
			t.Errorf("style.css still uses the old green %s", green)
		}
	}
	for _, rule := range []string{".primary{background:#4f46e5;", ".link{background:none;border:none;color:#4f46e5;"} {
		if !strings.Contains(styleCSS, rule) {
			t.Errorf("style.css lacks the console's indigo: %s", rule)
		}
	}
	styleAttr := regexp.MustCompile(`(?i)\sstyle=`)
	for name, tmpl := range pages {
		var b bytes.Buffer
		d := pageData{Title: "T", CSS: template.CSS(styleCSS), Scopes: []scopeView{{Name: "openid"}}, UserCode: "ABCD-EFGH"}
		if err := tmpl.ExecuteTemplate(&b, "layout", d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page := b.String()
		for _, want := range []string{`<svg class="mark"`, `stop-color="#6366f1"`, `<circle cx="22" cy="32" r="9"/>`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks the key mark (%s)", name, want)
			}
		}
		if strings.Contains(strings.ToLower(page), "<script") || styleAttr.MatchString(page) || strings.Contains(page, "<img") {
			t.Errorf("%s page has a script, a style attribute or an image, which its CSP refuses", name)
		}
	}
}
