package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/golang-jwt/jwt/v5"

	"github.com/latchkey/latchkey/authcore"
)

// TypIDToken is the typ header of ID tokens (RFC 8725 §3.11; OIDC Core
// §2 allows it), so that no other JWT of this issuer passes for one.
const TypIDToken = "JWT"

// ACRPassword is the authentication context class of a password
// sign-in (OIDC Core §2, acr); authcore.ACRValues lists all of them.
const ACRPassword = authcore.ACRPassword

// maxHintLen bounds an id_token_hint before it is parsed.
const maxHintLen = 16 << 10

// ACR returns the acr a request names before anyone signed in: the
// weakest value asked for that Latchkey knows, else ACRPassword. The code
// then records what the sign-in really achieved (the session's acr),
// which is what the ID token says.
func (p *Provider) ACR(requested []string) string {
	if r := authcore.RequestedACRRank(requested); r > 0 {
		return authcore.ACRValues[r-1]
	}
	return ACRPassword
}

// IDToken signs the ID token of a redeemed code (OIDC Core §3.1.3.3,
// §3.1.3.6): iss, sub, aud and azp (the client), exp, iat, auth_time,
// nonce (when the request sent one), sid, acr, at_hash (§3.1.3.8), and
// the claims the claims request's id_token member names that the granted
// scopes release. It is signed with the client's
// id_token_signed_response_alg ("" is the key manager's default). It
// also names the grant the code became (ClaimGrantID), and returns the
// token's expiry.
func (p *Provider) IDToken(ctx context.Context, c authcore.Client, ac authcore.AuthCode, accessToken string, now time.Time) (string, time.Time, error) {
	claims, err := p.idTokenClaims(ctx, c, ac, accessToken, now)
	if err != nil {
		return "", time.Time{}, err
	}
	_, span := trace.SpanFromContext(ctx).TracerProvider().Tracer("latchkey/oidc").Start(ctx, "sign.id_token")
	tok, err := p.signer.Sign(c.IDTokenSignedResponseAlg, TypIDToken, claims)
	span.End()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("oidc: sign ID token: %w", err)
	}
	return tok, now.Add(p.cfg.IDTokenTTL), nil
}

// ClaimGrantID is the private claim (RFC 7519 §4.3) naming the grant an
// ID token was issued under: token exchange (RFC 8693) of the ID token
// is bound to that grant's scopes and life.
const ClaimGrantID = "grant_id"

// idTokenClaims builds the claim set of IDToken.
func (p *Provider) idTokenClaims(ctx context.Context, c authcore.Client, ac authcore.AuthCode, accessToken string, now time.Time) (jwt.MapClaims, error) {
	m := jwt.MapClaims{
		"iss": p.cfg.Issuer, "sub": p.subjectOf(c, ac.UserID), "aud": c.ID, "azp": c.ID,
		"iat": unix(now), "exp": unix(now.Add(p.cfg.IDTokenTTL)),
	}
	if !ac.AuthTime.IsZero() {
		m["auth_time"] = unix(ac.AuthTime)
	}
	set := map[string]string{"nonce": ac.Nonce, "sid": ac.SessionID, "acr": ac.ACR, ClaimGrantID: ac.GrantID}
	for k, v := range set {
		if v != "" {
			m[k] = v
		}
	}
	if len(ac.AMR) > 0 {
		m["amr"] = ac.AMR // RFC 8176 method values
	}
	if accessToken != "" {
		h, err := halfHash(c.IDTokenSignedResponseAlg, accessToken)
		if err != nil {
			return nil, err
		}
		m["at_hash"] = h
	}
	if ac.Claims == "" {
		return m, nil
	}
	req, err := parseClaims(ac.Claims)
	if err != nil || len(req.IDToken) == 0 {
		return m, nil
	}
	u, err := p.store.GetUser(ctx, ac.UserID)
	if err != nil {
		return nil, fmt.Errorf("oidc: read user: %w", err)
	}
	released := userClaims(u, ac.Scopes)
	for name := range req.IDToken {
		if v, ok := released[name]; ok {
			m[name] = v
		}
	}
	return m, nil
}

// halfHash is the left half of the hash of value, base64url: at_hash
// (OIDC Core §3.1.3.6) with the hash of alg's JWS algorithm (SHA-512
// for EdDSA with Ed25519).
func halfHash(alg, value string) (string, error) {
	var h hash.Hash
	switch alg {
	case "", "ES256", "RS256", "PS256":
		h = sha256.New()
	case "EdDSA":
		h = sha512.New()
	default:
		return "", fmt.Errorf("oidc: no at_hash for alg %q", alg)
	}
	h.Write([]byte(value))
	sum := h.Sum(nil)
	return b64(sum[:len(sum)/2]), nil
}

// unix is a NumericDate as jwt.MapClaims reads it back (a float64 of
// whole seconds, encoded without exponent).
func unix(t time.Time) float64 { return float64(t.Unix()) }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// hintClaims are the claims of an id_token_hint. Its exp is hidden from
// the Signer's validator: OIDC Core §3.1.2.1 and RP-Initiated Logout 1.0
// §2 accept an expired hint.
type hintClaims struct {
	jwt.RegisteredClaims
	AuthorizedParty string `json:"azp,omitempty"`
	SID             string `json:"sid,omitempty"`
	GrantID         string `json:"grant_id,omitempty"`
	now             time.Time
}

// GetExpirationTime reports an exp the validator accepts.
func (h *hintClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(h.now.Add(time.Hour)), nil
}

var errHint = errors.New("oidc: id_token_hint is not an ID token of this issuer")

// verifyHint checks that hint is an ID token this issuer signed (typ
// JWT, a published unrevoked key, exact iss, a sub), expired or not.
func (p *Provider) verifyHint(ctx context.Context, hint string) (*hintClaims, error) {
	if len(hint) > maxHintLen || strings.Count(hint, ".") != 2 {
		return nil, errHint
	}
	c := &hintClaims{now: p.now()}
	if _, err := p.signer.Verify(hint, TypIDToken, c); err != nil {
		return nil, fmt.Errorf("%w: %w", errHint, err)
	}
	if c.Issuer != p.cfg.Issuer || c.Subject == "" || len(c.Audience) == 0 {
		return nil, errHint
	}
	if err := p.localOfHint(ctx, c); err != nil { // pairwise: subject.go
		return nil, fmt.Errorf("oidc: id_token_hint: %w", err)
	}
	return c, nil
}

// HintSubject verifies an id_token_hint (OIDC Core §3.1.2.1) and returns
// the local user it names: a pairwise sub is mapped through the hint's
// client (subject.go); "" when it names no user. (Its signature has no
// context, as oauth.OpenID declares it; the mapping reads the store
// under a background context.)
func (p *Provider) HintSubject(hint string) (string, error) {
	c, err := p.verifyHint(context.Background(), hint)
	if err != nil {
		return "", err
	}
	return c.Subject, nil
}
