package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultIntrospectionTTL is how long an introspection answer is reused.
const DefaultIntrospectionTTL = 5 * time.Second

// IntrospectionConfig configures RFC 7662 introspection at the issuer.
type IntrospectionConfig struct {
	// Endpoint is the introspection endpoint; empty means the
	// introspection_endpoint of the issuer's metadata (Discover).
	Endpoint string `json:"endpoint,omitempty" yaml:"endpoint,omitempty"`
	// ClientID and ClientSecret authenticate the gateway (a confidential
	// client) with client_secret_basic (RFC 7662 §2.1, RFC 6749 §2.3.1).
	ClientID     string `json:"client_id" yaml:"client_id"`
	ClientSecret string `json:"client_secret" yaml:"client_secret"`
	// CacheTTL is how long an answer is reused (default 5 s), never past
	// the token's exp.
	CacheTTL time.Duration `json:"-" yaml:"-"`
}

// Introspector asks the issuer about tokens the gateway cannot or should
// not decide alone: opaque tokens and routes marked Introspect. Answers
// are cached briefly by the SHA-256 of the token; the token itself is
// never kept.
type Introspector struct {
	cfg    IntrospectionConfig
	issuer string
	client *http.Client
	now    func() time.Time

	endpointMu sync.Mutex
	endpoint   string

	mu    sync.Mutex
	cache map[[32]byte]introEntry
}

type introEntry struct {
	id    *Identity // nil when inactive
	until time.Time
}

const maxIntroEntries = 10000

// NewIntrospector returns an Introspector for issuer. client nil means a
// client with a 5 s timeout; now nil means time.Now.
func NewIntrospector(issuer string, cfg IntrospectionConfig, client *http.Client, now func() time.Time) *Introspector {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second, Transport: newTransport()}
	}
	if now == nil {
		now = time.Now
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultIntrospectionTTL
	}
	return &Introspector{cfg: cfg, issuer: issuer, client: client, now: now,
		endpoint: cfg.Endpoint, cache: make(map[[32]byte]introEntry)}
}

// Introspect returns the token's identity when the issuer says it is
// active, nil when it is not, and an error when the issuer could not be
// asked.
func (in *Introspector) Introspect(ctx context.Context, token string) (*Identity, error) {
	key := sha256.Sum256([]byte(token))
	now := in.now()
	in.mu.Lock()
	e, ok := in.cache[key]
	in.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.id, nil
	}
	id, err := in.ask(ctx, token)
	if err != nil {
		return nil, err
	}
	until := now.Add(in.cfg.CacheTTL)
	if id != nil && !id.ExpiresAt.IsZero() && id.ExpiresAt.Before(until) {
		until = id.ExpiresAt
	}
	in.mu.Lock()
	if len(in.cache) >= maxIntroEntries {
		for k, v := range in.cache {
			if !now.Before(v.until) || len(in.cache) >= maxIntroEntries {
				delete(in.cache, k)
			}
		}
	}
	in.cache[key] = introEntry{id: id, until: until}
	in.mu.Unlock()
	return id, nil
}

func (in *Introspector) endpointURL(ctx context.Context) (string, error) {
	in.endpointMu.Lock()
	defer in.endpointMu.Unlock()
	if in.endpoint != "" {
		return in.endpoint, nil
	}
	md, err := Discover(ctx, in.client, in.issuer)
	if err != nil {
		return "", err
	}
	if md.IntrospectionEndpoint == "" {
		return "", fmt.Errorf("gateway: issuer metadata has no introspection_endpoint")
	}
	in.endpoint = md.IntrospectionEndpoint
	return in.endpoint, nil
}

// introResponse is RFC 7662 §2.2.
type introResponse struct {
	Active   bool            `json:"active"`
	Scope    string          `json:"scope"`
	ClientID string          `json:"client_id"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Iss      string          `json:"iss"`
	Exp      json.RawMessage `json:"exp"`
	Iat      json.RawMessage `json:"iat"`
	Jti      string          `json:"jti"`
	ACR      string          `json:"acr"`
	Details  json.RawMessage `json:"authorization_details"`
	Cnf      *struct {
		JKT string `json:"jkt"`
		X5T string `json:"x5t#S256"`
	} `json:"cnf"`
}

func (in *Introspector) ask(ctx context.Context, token string) (*Identity, error) {
	ep, err := in.endpointURL(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("gateway: introspection request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(in.cfg.ClientID), url.QueryEscape(in.cfg.ClientSecret))
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("gateway: introspection: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gateway: introspection: status %d", resp.StatusCode)
	}
	var ir introResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes)).Decode(&ir); err != nil {
		return nil, fmt.Errorf("gateway: introspection response: %w", err)
	}
	if !ir.Active {
		return nil, nil
	}
	aud, err1 := audience(ir.Aud)
	exp, err2 := numericDate(ir.Exp)
	iat, err3 := numericDate(ir.Iat)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("gateway: introspection response has a claim of the wrong type")
	}
	if ir.Iss != "" && ir.Iss != in.issuer {
		return nil, nil // another issuer's token: not active for us
	}
	id := &Identity{Issuer: in.issuer, Subject: ir.Sub, ClientID: ir.ClientID, Scopes: strings.Fields(ir.Scope),
		Audience: aud, JTI: ir.Jti, IssuedAt: iat, ExpiresAt: exp, Introspected: true, ACR: ir.ACR,
		DetailTypes: detailTypes(ir.Details)}
	if ir.Cnf != nil {
		id.JKT, id.X5T = ir.Cnf.JKT, ir.Cnf.X5T
	}
	if !exp.IsZero() && !in.now().Before(exp) {
		return nil, nil
	}
	return id, nil
}
