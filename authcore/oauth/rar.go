package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/authcore"
)

// CodeInvalidAuthorizationDetails is the error of an authorization_details
// parameter that is not valid JSON, names a type the server does not
// know or the client may not request, or breaks its type's schema (RFC
// 9396 §5).
const CodeInvalidAuthorizationDetails = "invalid_authorization_details"

// maxDetails bounds the objects one authorization_details holds.
const maxDetails = 16

// authDetails are parsed authorization_details (RFC 9396 §2): the
// objects as sent, and their canonical JSON (objects with sorted keys,
// numbers as written) that codes, grants and tokens carry.
type authDetails struct {
	list []map[string]any
	json string
}

func errDetails(desc string) *Error {
	return newError(CodeInvalidAuthorizationDetails, http.StatusBadRequest, desc)
}

// parseDetails reads an authorization_details parameter and checks each
// object against the client's allowed types (authorization_details_types,
// RFC 9396 §10), the registry and the type's JSON Schema. An empty
// parameter gives the zero value.
func (s *Server) parseDetails(ctx context.Context, c authcore.Client, raw string) (authDetails, error) {
	if raw == "" {
		return authDetails{}, nil
	}
	list, err := decodeDetails(raw)
	if err != nil {
		return authDetails{}, err
	}
	for _, d := range list {
		typ, _ := d["type"].(string)
		if !slices.Contains(c.AuthorizationDetailsTypes, typ) {
			return authDetails{}, errDetails("authorization_details type " + quoteType(typ) + " is not allowed for this client")
		}
		t, err := s.store.GetAuthorizationDetailType(ctx, typ)
		if errors.Is(err, authcore.ErrNotFound) {
			return authDetails{}, errDetails("authorization_details type " + quoteType(typ) + " is unknown")
		} else if err != nil {
			return authDetails{}, unavailable(err)
		}
		sch, err := s.schemas.get(t)
		if err != nil {
			s.log.Error().Err(err).Str("type", typ).Msg("oauth: authorization_details schema does not compile")
			return authDetails{}, errDetails("authorization_details type " + quoteType(typ) + " cannot be checked")
		}
		if err := sch.Validate(any(d)); err != nil {
			return authDetails{}, errDetails("authorization_details of type " + quoteType(typ) + " do not match the type's schema")
		}
	}
	canon, err := json.Marshal(list)
	if err != nil {
		return authDetails{}, internal(err)
	}
	return authDetails{list: list, json: string(canon)}, nil
}

// decodeDetails parses raw as a non-empty JSON array of at most
// maxDetails objects, each with a non-empty string type (RFC 9396 §2).
func decodeDetails(raw string) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		return nil, errDetails("authorization_details must be a JSON array of objects")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errDetails("authorization_details must be a JSON array of objects")
	}
	if len(list) == 0 || len(list) > maxDetails {
		return nil, errDetails("authorization_details must hold 1 to 16 objects")
	}
	for _, d := range list {
		if typ, ok := d["type"].(string); d == nil || !ok || typ == "" {
			return nil, errDetails("every authorization_details object needs a type")
		}
	}
	return list, nil
}

// quoteType quotes a type name for an error_description, cut short.
func quoteType(t string) string { return `"` + truncate(t, 64) + `"` }

// storedDetails parses details a grant or code carries (written by this
// server, so valid); nil when there are none.
func storedDetails(s string) []map[string]any {
	if s == "" {
		return nil
	}
	list, err := decodeDetails(s)
	if err != nil {
		return nil
	}
	return list
}

// detailsClaim is the authorization_details value of a token, its
// response and introspection: the canonical JSON as it is, or nil.
func detailsClaim(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// narrowDetails checks that every requested object equals one of the
// granted ones (RFC 9396 §6: a token request may ask for less, never more).
func narrowDetails(requested authDetails, granted string) error {
	have := storedDetails(granted)
	for _, d := range requested.list {
		b, _ := json.Marshal(d)
		if !slices.ContainsFunc(have, func(g map[string]any) bool {
			gb, _ := json.Marshal(g)
			return bytes.Equal(b, gb)
		}) {
			return errDetails("authorization_details exceed the original grant")
		}
	}
	return nil
}
