package authcore

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// subjectStore is an in-memory SubjectStore.
type subjectStore struct {
	grants map[string]Grant
	users  []User
	reads  int
}

func (s *subjectStore) GetGrant(_ context.Context, id string) (Grant, error) {
	g, ok := s.grants[id]
	if !ok {
		return g, ErrNotFound
	}
	return g, nil
}

func (s *subjectStore) ListUsers(context.Context) ([]User, error) {
	s.reads++
	return s.users, nil
}

// onceSettings is an in-memory OnceSettings.
type onceSettings map[string][]byte

func (o onceSettings) CreateSetting(_ context.Context, name string, v []byte) ([]byte, error) {
	if cur, ok := o[name]; ok {
		return cur, nil
	}
	o[name] = v
	return v, nil
}

// The sector of a client, and the sub each client sees: the user id for
// a public client; for pairwise ones a value that depends on the sector
// only (not the client, the path or the port), the salt and the user.
func TestPairwiseSubjectFor(t *testing.T) {
	st := onceSettings{}
	s, err := LoadSubjects(context.Background(), st, bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := LoadSubjects(context.Background(), onceSettings{}, bytes.NewReader(bytes.Repeat([]byte{2}, 32)))
	again, _ := LoadSubjects(context.Background(), st, bytes.NewReader(bytes.Repeat([]byte{3}, 32)))
	pw := func(redirect, sector string) Client {
		return Client{ID: redirect, SubjectType: SubjectPairwise, RedirectURIs: []string{redirect}, SectorIdentifierURI: sector}
	}
	a := pw("https://A.example:8443/cb", "")
	a2 := pw("https://a.example/other", "")
	b := pw("https://b.example/cb", "")
	shared := pw("https://c.example/cb", "https://a.example/sector.json")
	for _, tc := range []struct {
		name string
		c    Client
		want string
	}{
		{"redirect host", a, "a.example"},
		{"sector_identifier_uri host", shared, "a.example"},
		{"none", Client{SubjectType: SubjectPairwise}, ""},
	} {
		if got := tc.c.Sector(); got != tc.want {
			t.Errorf("%s: sector %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := s.For(Client{RedirectURIs: []string{"https://a.example/cb"}}, "u1"); got != "u1" {
		t.Errorf("public client: %q", got)
	}
	subA := s.For(a, "u1")
	switch {
	case subA != s.For(a2, "u1") || subA != s.For(shared, "u1"):
		t.Error("one sector, several subs")
	case subA == s.For(b, "u1"):
		t.Error("two sectors, one sub")
	case subA == s.For(a, "u2"):
		t.Error("two users, one sub")
	case subA == other.For(a, "u1"):
		t.Error("another salt, the same sub")
	case subA != again.For(a, "u1"):
		t.Error("the salt was created twice")
	case len(subA) != 43 || subA == "u1":
		t.Errorf("sub %q", subA)
	}
	if s.Pairwise("ab", "c") == s.Pairwise("a", "bc") {
		t.Error("sector and user id run together")
	}
}

// Local maps a pairwise sub back to the user through the token's grant
// (without reading the users), by a scan when there is no grant, and
// refuses a sub of another sector, a grant of another client or user.
func TestPairwiseSubjectLocal(t *testing.T) {
	ctx := context.Background()
	s, _ := LoadSubjects(ctx, onceSettings{}, bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	a := Client{ID: "a", SubjectType: SubjectPairwise, RedirectURIs: []string{"https://a.example/cb"}}
	b := Client{ID: "b", SubjectType: SubjectPairwise, RedirectURIs: []string{"https://b.example/cb"}}
	st := &subjectStore{grants: map[string]Grant{"g1": {ID: "g1", ClientID: "a", UserID: "u1"},
		"gb": {ID: "gb", ClientID: "b", UserID: "u1"}}, users: []User{{ID: "u1"}, {ID: "u2"}}}
	if got, err := s.Local(ctx, st, a, s.For(a, "u1"), "g1"); got != "u1" || err != nil || st.reads != 0 {
		t.Fatalf("through the grant: %q %v (%d scans)", got, err, st.reads)
	}
	if got, err := s.Local(ctx, st, a, s.For(a, "u2"), ""); got != "u2" || err != nil {
		t.Fatalf("by a scan: %q %v", got, err)
	}
	for name, tc := range map[string]struct {
		sub, grant string
	}{
		"another sector's sub":      {s.For(b, "u1"), ""},
		"another client's grant":    {s.For(b, "u1"), "gb"},
		"the grant of another user": {s.For(a, "u2") + "x", "g1"},
		"the user id itself":        {"u1", ""},
	} {
		if got, err := s.Local(ctx, st, a, tc.sub, tc.grant); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %q %v, want ErrNotFound", name, got, err)
		}
	}
	// A token that names a grant is answered by the grant alone: when the
	// grant is gone or is not the sub's, no pass over the users, even
	// though the sub is a real user's.
	st.reads = 0
	for name, grant := range map[string]string{"a grant that ended": "gone", "another user's grant": "g1"} {
		if got, err := s.Local(ctx, st, a, s.For(a, "u2"), grant); !errors.Is(err, ErrNotFound) || st.reads != 0 {
			t.Errorf("%s: %q %v after %d scans, want ErrNotFound and no scan", name, got, err, st.reads)
		}
	}
	if got, _ := s.Local(ctx, st, Client{ID: "p"}, "u1", ""); got != "u1" {
		t.Errorf("public client: %q", got)
	}
}
