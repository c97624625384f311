package oauth

import "context"

// withDetails puts authorization_details (canonical JSON, "" for none)
// into an access token (RFC 9396 §9.1).
func withDetails(details string) func(*accessClaims) {
	return func(c *accessClaims) { c.AuthorizationDetails = detailsClaim(details) }
}

// narrowedDetails are the authorization_details of an access token
// issued from a code or a refresh token: those granted, or those the
// token request names, which must each be one of the granted ones (RFC
// 9396 §6: narrowing, never widening); more is
// invalid_authorization_details. The grant keeps what was granted.
func (s *Server) narrowedDetails(ctx context.Context, tr *tokenRequest, granted string) (string, error) {
	raw := tr.p.get("authorization_details")
	if raw == "" {
		return granted, nil
	}
	d, err := s.parseDetails(ctx, tr.client, raw)
	if err != nil {
		return "", err
	}
	if err := narrowDetails(d, granted); err != nil {
		return "", err
	}
	return d.json, nil
}
