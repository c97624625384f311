package authcore

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AuthorizationDetailType is an authorization_details type the
// administrator registered (RFC 9396 §2): the objects of that type a
// client may request, described by a JSON Schema, and the words the
// consent page shows for one of them.
type AuthorizationDetailType struct {
	// Type is the value of the objects' type field (RFC 9396 §2).
	Type string
	// Description is the administrator's note on the type.
	Description string
	// Schema is the JSON Schema (draft 2020-12) every object of the type
	// must satisfy, as JSON text.
	Schema string
	// ConsentTemplate is the consent page's sentence for one object,
	// with {{field}} or {{field.sub}} placeholders replaced by the
	// object's values (RenderConsent); nothing else in it is evaluated.
	ConsentTemplate string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// AuthorizationDetailTypes stores the registered authorization_details
// types (RFC 9396). Updaters follow the Storage contract: they may rerun
// and must be pure.
type AuthorizationDetailTypes interface {
	// CreateAuthorizationDetailType stores a new type; an existing name
	// is ErrAlreadyExists.
	CreateAuthorizationDetailType(ctx context.Context, t AuthorizationDetailType) error
	// GetAuthorizationDetailType returns the type, or ErrNotFound.
	GetAuthorizationDetailType(ctx context.Context, name string) (AuthorizationDetailType, error)
	// ListAuthorizationDetailTypes returns every type, ordered by name.
	ListAuthorizationDetailTypes(ctx context.Context) ([]AuthorizationDetailType, error)
	// UpdateAuthorizationDetailType applies fn to the stored type in one
	// transaction; the name cannot change.
	UpdateAuthorizationDetailType(ctx context.Context, name string, fn func(AuthorizationDetailType) (AuthorizationDetailType, error)) error
	// DeleteAuthorizationDetailType removes the type, or returns
	// ErrNotFound.
	DeleteAuthorizationDetailType(ctx context.Context, name string) error
}

// Limits of a consent template and of one rendered value.
const (
	MaxConsentTemplate = 1000
	maxRenderedValue   = 200
)

// placeholder matches one {{path}} of a consent template: field names
// of letters, digits, '_' and '-', joined by dots.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}`)

// ErrConsentTemplate reports a consent template that is too long or has
// a "{{" that is not a placeholder.
var ErrConsentTemplate = errors.New("authcore: consent template must be at most 1000 characters and use only {{field}} or {{field.sub}} placeholders")

// ValidConsentTemplate checks a consent template: not empty, at most
// MaxConsentTemplate bytes, and every "{{" opens a placeholder.
func ValidConsentTemplate(tmpl string) error {
	if strings.TrimSpace(tmpl) == "" || len(tmpl) > MaxConsentTemplate {
		return ErrConsentTemplate
	}
	if strings.Contains(placeholder.ReplaceAllString(tmpl, ""), "{{") {
		return ErrConsentTemplate
	}
	return nil
}

// RenderConsent fills a consent template with the values of one
// authorization_details object. It is plain text substitution: a
// placeholder becomes the value at its path (strings as they are,
// numbers and booleans in JSON form, objects and arrays as compact JSON,
// a missing value as "(none)"), cut to 200 characters. The result is
// text, never markup: the page escapes it like any other text.
func RenderConsent(tmpl string, obj map[string]any) string {
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		path := placeholder.FindStringSubmatch(m)[1]
		var v any = obj
		for _, f := range strings.Split(path, ".") {
			o, ok := v.(map[string]any)
			if !ok {
				return "(none)"
			}
			if v, ok = o[f]; !ok {
				return "(none)"
			}
		}
		return cutRunes(valueText(v), maxRenderedValue)
	})
}

// valueText is the text of one JSON value.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(none)"
	}
	return string(b)
}

// cutRunes cuts s to at most n runes, marking the cut with "…".
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
