package flow

import (
	"fmt"
	"regexp"
)

// Subject types of OIDC Core §8.
const (
	SubjectPublic   = "public"
	SubjectPairwise = "pairwise"
)

// SubjectInfo is the client's subject type as its registration says
// (OIDC Registration §2), known to an administrator: the console, or the
// CLI with access to the data directory.
type SubjectInfo struct {
	// Type is public or pairwise.
	Type string `json:"subject_type"`
	// Sector is the sector identifier of a pairwise client: the host of
	// its sector_identifier_uri or redirect URI (OIDC Core §8.1).
	Sector string `json:"sector,omitempty"`
}

// localUserID is the shape of a Latchkey user id (a random UUID): a sub
// of another shape from an issuer that supports pairwise subjects is not
// the user's local id.
var localUserID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// explainSubject says in words what the ID token's sub is (OIDC Core §8):
// pairwise for the client's sector or public, from Options.Subject or,
// without it, from the issuer's subject_types_supported and the sub's
// shape; and checks that the access token names the same sub.
func (r *runner) explainSubject(s *Step, tr *tokenResponse) {
	_, idc, ok := splitJWT(tr.IDToken)
	sub := claimString(idc, "sub")
	if !ok || sub == "" {
		return
	}
	const other = "; the same user has a different sub at clients of other sectors (OIDC Core §8.1)"
	var text string
	switch si := r.o.Subject; {
	case si != nil && si.Type == SubjectPairwise:
		text = fmt.Sprintf("sub %q is pairwise: this client receives a pairwise sub for sector %s%s", sub, orUnknown(si.Sector), other)
	case si != nil:
		text = fmt.Sprintf("sub %q is public: the user's id at the issuer, the same at every client (OIDC Core §8)", sub)
	case contains(r.md.strings("subject_types_supported"), SubjectPairwise) && !localUserID.MatchString(sub):
		text = fmt.Sprintf("sub %q is not a local user id and the issuer supports pairwise subjects: this client most likely receives a pairwise sub "+
			"for its sector (the host of its sector_identifier_uri or redirect URI)%s", sub, other)
	}
	if text != "" {
		s.check(CheckSubjectType, true, text)
	}
	if _, atc, ok := splitJWT(tr.AccessToken); ok {
		at := claimString(atc, "sub")
		s.check(CheckSubjectAcross, at == sub,
			fmt.Sprintf("access token sub %q, ID token sub %q (the client and the APIs it calls should see one sub; OIDC Core §8.1)", at, sub))
	}
}

// orUnknown is s, or "(unknown)" when it is empty.
func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
