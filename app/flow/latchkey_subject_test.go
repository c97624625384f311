package flow

import (
	"context"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/oauth"
)

// A pairwise client against the real server: the userinfo flow (code
// flow, then userinfo) explains the sub as pairwise for the client's
// sector, from the administrator's view of the client or, without it,
// from discovery and the sub's shape; the ID token, the access token and
// userinfo name the same sub, and it is not alice's user id. A public
// client's sub is explained as the user id.
func TestLatchkeyPairwiseSubject(t *testing.T) {
	lk := newLatchkey(t)
	ctx := context.Background()
	pw, pwKey, err := lk.srv.OAuth.CreateClient(ctx, oauth.ClientSpec{Name: "Pairwise",
		RedirectURIs: []string{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "profile"},
		SubjectType: authcore.SubjectPairwise})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := lk.srv.Login.Authenticate(ctx, aliceName, alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		client   authcore.Client
		key      string
		subject  *SubjectInfo
		explains string
	}{
		{pw, pwKey, &SubjectInfo{Type: SubjectPairwise, Sector: pw.Sector()},
			"this client receives a pairwise sub for sector 127.0.0.1; the same user has a different sub at clients of other sectors"},
		{pw, pwKey, nil, "is not a local user id and the issuer supports pairwise subjects"},
		{lk.web, lk.webKey, &SubjectInfo{Type: SubjectPublic}, "is public"},
	} {
		tr, err := lk.run(Options{ClientID: tc.client.ID, ClientSecret: tc.key, Flow: FlowUserinfo, Subject: tc.subject})
		if err != nil {
			t.Fatalf("%s: %v", tc.client.Name, err)
		}
		if bad := failedChecks(tr); len(bad) > 0 {
			t.Fatalf("%s: failed checks %v", tc.client.Name, bad)
		}
		wantSeverity(t, tr, RuleSubject, SeverityPass)
		if n := len(severity(tr, RuleSubject)); n != 2 {
			t.Fatalf("%s: %d sub findings, want access token and userinfo", tc.client.Name, n)
		}
		var explained string
		for _, f := range tr.Findings {
			if f.Rule == RuleSubjectType {
				explained = f.Message
			}
		}
		if !strings.Contains(explained, tc.explains) {
			t.Fatalf("%s: explained %q, want %q", tc.client.Name, explained, tc.explains)
		}
		pairwise := tc.client.ID == pw.ID
		if strings.Contains(explained, alice.ID) == pairwise {
			t.Fatalf("%s: explained %q; alice is %s", tc.client.Name, explained, alice.ID)
		}
	}
}
