package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/authcore"
)

// redeem exchanges the code at the provider's token endpoint (OIDC Core
// §3.1.3.1) with client_secret_basic (RFC 6749 §2.3.1) and the PKCE
// verifier, and returns the ID token.
func (s *Service) redeem(ctx context.Context, p authcore.IdentityProvider, code, verifier string) (string, error) {
	md, err := s.metadata(ctx, p.Issuer)
	if err != nil {
		return "", err
	}
	if err := sameSecurity(p.Issuer, md.TokenEndpoint); err != nil {
		return "", fmt.Errorf("federation: token_endpoint: %w", err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {s.redirectURI()}, "code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, md.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("federation: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(p.ClientSecret))
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("federation: token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes))
	if err != nil {
		return "", fmt.Errorf("federation: token response: %w", err)
	}
	var tr struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", errors.New("federation: token response is not JSON")
	}
	if resp.StatusCode != http.StatusOK || tr.IDToken == "" {
		return "", fmt.Errorf("federation: token endpoint answered %d %q without an ID token", resp.StatusCode, tr.Error)
	}
	return tr.IDToken, nil
}
