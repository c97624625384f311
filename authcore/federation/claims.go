package federation

import (
	"encoding/json"
	"math"
	"time"
)

// stringClaim returns claim name when it is a string.
func stringClaim(c map[string]any, name string) string {
	s, _ := c[name].(string)
	return s
}

// strings returns a claim that is a string or an array of strings (aud,
// amr, groups); other members are dropped.
func stringsClaim(v any) []string {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// audiences reads aud as a string or an array (CVE-2020-26160: both
// forms must be checked).
func audiences(v any) []string { return stringsClaim(v) }

// numericDate reads a NumericDate (RFC 7519 §2).
func numericDate(v any) (time.Time, bool) {
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case json.Number:
		var err error
		if f, err = t.Float64(); err != nil {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// claimName is the mapped claim name, or def.
func claimName(mapped, def string) string {
	if mapped != "" {
		return mapped
	}
	return def
}

// intersects reports whether a and b share an element.
func intersects(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}
