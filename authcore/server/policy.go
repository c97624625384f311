package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/gateway"
	"github.com/latchkey/latchkey/authcore/login"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// PolicySetting is the store setting that holds the policy values an
// administrator saved (policyDoc, JSON).
const PolicySetting = "policy"

// Policy is the server policy an administrator may change while Latchkey
// runs: default token lifetimes, the token endpoint's ceilings, the
// failed-client-authentication guard, the account lockout and the audit
// retention. Values are written as the console and CLI show them:
// durations as "90s", "15m", "12h" or "30d"; rates as "100/s", "600/m",
// "10/h" or "off".
//
// Precedence: a value an administrator saved wins; otherwise the start
// flag's (Config.Policy); otherwise the built-in default. Saving a value
// equal to its default removes it from the saved document, so the start
// flag governs it again.
type Policy struct {
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// TokenRateClient and TokenRateIP cap /token, /revoke, /introspect,
	// /par and /device_authorization per client and per IP; "N/unit"
	// allows bursts of 2N, "off" removes the cap.
	TokenRateClient string
	TokenRateIP     string
	// AuthFailureRate and AuthFailureBurst throttle failed client
	// authentications per claimed client and per IP (OAuth 2.1 §2.4.1):
	// AuthFailureBurst failures at once, then AuthFailureRate. It cannot
	// be turned off.
	AuthFailureRate  string
	AuthFailureBurst int
	// LockoutThreshold wrong passwords within LockoutWindow lock an
	// account for LockoutDuration.
	LockoutThreshold int
	LockoutWindow    time.Duration
	LockoutDuration  time.Duration
	// AuditRetention is how long audit events are kept (negative:
	// forever, only as a start flag).
	AuditRetention time.Duration
	// AdminMFA is "on" when administrators must sign in with a second
	// factor (the default unless the issuer is a loopback URL), else
	// "off".
	AdminMFA string
}

// builtinPolicy is the policy with no flag and nothing saved.
func builtinPolicy() Policy {
	return Policy{
		AccessTokenTTL: oauth.DefaultAccessTokenTTL, RefreshTokenTTL: oauth.DefaultRefreshTokenTTL,
		TokenRateClient: "2000/s", TokenRateIP: "2000/s",
		AuthFailureRate: "1/s", AuthFailureBurst: oauth.DefaultAuthFailureBurst,
		LockoutThreshold: login.DefaultLockoutThreshold, LockoutWindow: login.DefaultLockoutWindow,
		LockoutDuration: login.DefaultLockoutDuration, AuditRetention: audit.DefaultRetention,
		AdminMFA: "on",
	}
}

// PolicyValue is one policy value as the console shows it.
type PolicyValue struct {
	Key   string // e.g. "access_token_ttl"
	Label string // e.g. "Access-token lifetime"
	Kind  string // "duration", "rate" or "count"
	Value string // in force
	// Default is the value without a saved one: the start flag's, else
	// built in. Flag names the start flag that sets it, if any.
	Default string
	Flag    string
	// FromFlag is set when Default came from a start flag rather than
	// being built in.
	FromFlag bool
	Saved    bool   // Value is the administrator's
	Min, Max string // bounds of a value that can be saved
}

// PolicyState is the policy in force, field by field, and who saved it.
type PolicyState struct {
	Policy    Policy
	Values    []PolicyValue
	UpdatedAt time.Time // zero when nothing is saved
	UpdatedBy string
	// Revision counts the saves of the settings (0: none): a change made
	// from what this state showed passes it to UpdatePolicyAt, which
	// refuses it when someone saved meanwhile.
	Revision int64
}

// PolicyChange is one value UpdatePolicy changed.
type PolicyChange struct {
	Key, Label, From, To string
}

// PolicyError lists the values UpdatePolicy refused, by key, each with a
// sentence saying why.
type PolicyError struct {
	Problems map[string]string
}

// Error is the package name and Message.
func (e *PolicyError) Error() string { return "server: " + e.Message() }

// Message lists each refused value with why, in field order, in words
// a console may show as they are.
func (e *PolicyError) Message() string {
	keys := make([]string, 0, len(e.Problems))
	for k := range e.Problems {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fieldIndex(keys[i]) < fieldIndex(keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := k
		if f := fieldByKey(k); f != nil {
			label = f.label
		}
		parts[i] = label + ": " + e.Problems[k]
	}
	return strings.Join(parts, "; ")
}

// policyDoc is the saved document (version 1): only the values an
// administrator changed, in their display form.
type policyDoc struct {
	Version int `json:"version"`
	// Revision counts the saves; a save swaps the document it read for
	// the next revision (authcore.SettingSwapper), so two saves at the
	// same instant cannot both succeed.
	Revision  int64             `json:"revision,omitempty"`
	Values    map[string]string `json:"values"`
	UpdatedAt time.Time         `json:"updated_at"`
	UpdatedBy string            `json:"updated_by"`
}

// loadPolicyDoc reads the saved document; nothing saved is an empty one.
func loadPolicyDoc(ctx context.Context, st authcore.Storage) (policyDoc, error) {
	raw, err := policyRaw(ctx, st)
	if err != nil {
		return policyDoc{Version: 1, Values: map[string]string{}}, err
	}
	return decodePolicyDoc(raw)
}

// policyRaw reads the saved document as stored; nil when none is.
func policyRaw(ctx context.Context, st authcore.Storage) ([]byte, error) {
	raw, err := st.GetSetting(ctx, PolicySetting)
	if errors.Is(err, authcore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("server: read policy: %w", err)
	}
	return raw, nil
}

// decodePolicyDoc reads a saved document; empty is an empty one.
func decodePolicyDoc(raw []byte) (policyDoc, error) {
	doc := policyDoc{Version: 1, Values: map[string]string{}}
	if len(raw) == 0 {
		return doc, nil
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Version != 1 {
		return policyDoc{Version: 1, Values: map[string]string{}}, fmt.Errorf("server: saved policy is unreadable (version %d): %v", doc.Version, err)
	}
	if doc.Values == nil {
		doc.Values = map[string]string{}
	}
	return doc, nil
}

// SavedAuditRetention reads the audit retention an administrator saved,
// so a process can open the audit log with it before the server exists.
func SavedAuditRetention(ctx context.Context, st authcore.Storage) (time.Duration, bool) {
	doc, err := loadPolicyDoc(ctx, st)
	if err != nil {
		return 0, false
	}
	v, ok := doc.Values["audit_retention"]
	if !ok {
		return 0, false
	}
	// The saved value's bounds hold here too: a document written by hand
	// or by another version must not prune the audit log to the second
	// before the server ignores it (initPolicy).
	p := builtinPolicy()
	if err := fieldByKey("audit_retention").set(&p, v); err != nil {
		return 0, false
	}
	return p.AuditRetention, true
}

// oauthPolicy and lockout translate p for the services that enforce it.
func (p Policy) oauthPolicy() (oauth.Policy, error) {
	op := oauth.Policy{AccessTokenTTL: p.AccessTokenTTL, RefreshTokenTTL: p.RefreshTokenTTL,
		AuthFailureBurst: p.AuthFailureBurst}
	var err error
	if op.ClientRate, op.ClientBurst, err = ceiling(p.TokenRateClient); err != nil {
		return op, err
	}
	if op.IPRate, op.IPBurst, err = ceiling(p.TokenRateIP); err != nil {
		return op, err
	}
	if op.AuthFailureRate, _, err = gateway.ParseRate(p.AuthFailureRate); err != nil {
		return op, err
	}
	return op, nil
}

func (p Policy) lockout() login.Lockout {
	return login.Lockout{Threshold: p.LockoutThreshold, Window: p.LockoutWindow, Duration: p.LockoutDuration}
}

// ceiling reads a token-endpoint ceiling: "off" is none, "N/unit" allows
// bursts of 2N (the --token-rate-* flags' meaning).
func ceiling(v string) (rate.Limit, int, error) {
	if v == "off" {
		return rate.Inf, 0, nil
	}
	l, n, err := gateway.ParseRate(v)
	return l, 2 * n, err
}
