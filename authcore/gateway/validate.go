package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/authcore"
)

// Validate checks the route on its own and says what to change. The
// audience may come from Config.Audience, so its absence is reported by
// New and SetRoutes, not here.
func (rt Route) Validate() error {
	name := rt.Name
	if name == "" {
		name = rt.Prefix
	}
	fail := func(format string, a ...any) error {
		return invalidf("route %q: "+format, append([]any{name}, a...)...)
	}
	if !strings.HasPrefix(rt.Prefix, "/") {
		return fail("prefix must start with \"/\" (got %q)", rt.Prefix)
	}
	if p := strings.TrimSuffix(rt.Prefix, "/"); p != "" && path.Clean(p) != p {
		return fail("prefix %q is not a clean path (no \"//\", \".\" or \"..\")", rt.Prefix)
	}
	if strings.ContainsAny(rt.Name, "\"\\\r\n") {
		return fail("name may not contain quotes, backslashes or line breaks")
	}
	switch {
	case rt.Upstream == "" && rt.Handler == nil:
		return fail("set upstream to the URL of the API to protect")
	case rt.Upstream != "" && rt.Handler != nil:
		return fail("set either upstream or an in-process handler, not both")
	case rt.Upstream != "":
		u, err := url.Parse(rt.Upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fail("upstream %q must be an http:// or https:// URL without query or fragment", rt.Upstream)
		}
	}
	for _, m := range rt.Methods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " \t/") {
			return fail("method %q must be an upper-case HTTP method such as GET", m)
		}
	}
	for _, s := range append(append([]string{}, rt.Scopes...), rt.AnyScopes...) {
		if s == "" || strings.ContainsAny(s, " \t\"\\") {
			return fail("scope %q must be one non-empty scope token (RFC 6749 §3.3)", s)
		}
	}
	if rt.ACR != "" && strings.ContainsAny(rt.ACR, " \t\"\\") {
		return fail("acr %q must be one authentication context class, such as %s", rt.ACR, authcore.ACRMFA)
	}
	if t := rt.RequireAuthorizationDetailsType; t != "" && (len(t) > 128 || strings.ContainsAny(t, " \t\"\\")) {
		return fail("require_authorization_details_type %q must be one authorization_details type name", t)
	}
	for _, h := range rt.IdentityHeaders {
		if k := http.CanonicalHeaderKey(h); k != HeaderSubject && k != HeaderClient && k != HeaderScopes {
			return fail("identity header %q must be one of %s, %s, %s", h, HeaderSubject, HeaderClient, HeaderScopes)
		}
	}
	if rt.MaxBodyBytes < 0 {
		return fail("max_body_bytes may not be negative")
	}
	if rt.RateLimit.Burst < 0 {
		return fail("rate_limit.burst may not be negative")
	}
	for field, v := range map[string]string{"per_client": rt.RateLimit.PerClient, "per_ip": rt.RateLimit.PerIP} {
		if v == "" {
			continue
		}
		if _, _, err := ParseRate(v); err != nil {
			return within(err, fmt.Sprintf("route %q: rate_limit.%s", name, field))
		}
	}
	if rt.CORS != nil {
		if len(rt.CORS.Origins) == 0 {
			return fail("cors needs at least one origin")
		}
		for _, o := range rt.CORS.Origins {
			if err := checkOrigin(o); err != nil {
				return fail("cors origin %q: %v", o, err)
			}
		}
	}
	return nil
}

// checkOrigin accepts a serialised origin (scheme://host[:port]) only.
func checkOrigin(o string) error {
	if o == "*" || o == "null" {
		return errors.New("wildcard and null origins are not allowed; list each origin")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return errors.New("must be scheme://host[:port] with nothing after it")
	}
	return nil
}

// ParseRate parses a rate such as "100/s", "600/m" or "10/h" into a
// token-bucket limit and the bucket size (the count).
func ParseRate(s string) (rate.Limit, int, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, invalidf("rate %q must look like 100/s, 600/m or 10/h", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count <= 0 || count > 1_000_000 {
		return 0, 0, invalidf("rate %q: the count must be a whole number from 1 to 1000000", s)
	}
	var per time.Duration
	switch strings.TrimSpace(unit) {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		return 0, 0, invalidf("rate %q: the unit must be s, m or h", s)
	}
	return rate.Limit(float64(count) / per.Seconds()), count, nil
}
