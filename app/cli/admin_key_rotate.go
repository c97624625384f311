package cli

import (
	"fmt"
	"time"

	"github.com/latchkey/latchkey/app"
)

// rotationSummary says in words what `key rotate` did: which next key takes
// over and when, or that it took over at once. before and after are the
// key lists around the rotation of alg ("" for the default algorithm, the
// first active key listed).
func rotationSummary(before, after []app.Key, alg string, now time.Time) string {
	if alg == "" {
		for _, k := range after {
			if k.State == "active" {
				alg = k.Algorithm
				break
			}
		}
	}
	wasActive := map[string]bool{}
	for _, k := range before {
		if k.State == "active" {
			wasActive[k.ID] = true
		}
	}
	for _, k := range after {
		if k.Algorithm == alg && k.State == "next" && k.PromoteAt != "" {
			return fmt.Sprintf("The next key %s becomes active at %s, when relying parties have had the JWKS for its max-age;"+
				" until then the current key keeps signing.", k.ID, when(k.PromoteAt, now))
		}
	}
	for _, k := range after {
		if k.Algorithm == alg && k.State == "active" && !wasActive[k.ID] {
			return fmt.Sprintf("The next key %s is active now: relying parties have had it in the JWKS for its max-age."+
				" The previous key retires and stays published until the tokens it signed expire.", k.ID)
		}
	}
	return "A rotation of " + alg + " was already scheduled; nothing changed."
}

// when renders an RFC 3339 time as "23:15 UTC", with the date when it is
// not today.
func when(stamp string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return stamp
	}
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04 UTC")
	}
	return t.Format("2006-01-02 15:04 UTC")
}
