package oauth

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/authcore"
)

// maxClientDetailTypes bounds a client's authorization_details_types.
const maxClientDetailTypes = 32

// clientDetailTypes checks a client's authorization_details_types (RFC
// 9396 §10): each must be a registered type. It returns them without
// repeats; none gives nil.
func (s *Server) clientDetailTypes(ctx context.Context, types []string) ([]string, error) {
	types = dedupe(types)
	if len(types) > maxClientDetailTypes {
		return nil, authcore.Invalid(ErrInvalidClientMetadata, "at most %d authorization_details_types", maxClientDetailTypes)
	}
	for _, t := range types {
		_, err := s.store.GetAuthorizationDetailType(ctx, t)
		if errors.Is(err, authcore.ErrNotFound) {
			return nil, authcore.Invalid(ErrInvalidClientMetadata, "authorization_details type %q is not registered", truncate(t, 64))
		} else if err != nil {
			return nil, unavailable(err)
		}
	}
	if len(types) == 0 {
		return nil, nil
	}
	return types, nil
}
