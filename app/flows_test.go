package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app"
)

// The console's federation flow: refused without its external provider;
// saved with the provider and, unless asked, without either secret.
func TestFederationFlowInput(t *testing.T) {
	a, _ := newAppWith(t, app.Info{Issuer: issuer, DataDir: t.TempDir(), Mode: "serve", StartedAt: time.Now()})

	if _, err := a.StartFlow(app.FlowInput{ClientID: "ex", Flow: "federation", ExternalClientID: "app"}); err == nil {
		t.Fatal("federation flow started without the external issuer")
	}
	if _, err := a.StartFlow(app.FlowInput{ClientID: "teller", Flow: "ciba"}); err == nil || !strings.Contains(err.Error(), "login hint") {
		t.Fatalf("CIBA flow without a login hint: %v", err)
	}
	in := app.FlowInput{ClientID: "ex", ClientSecret: "lk-secret", Flow: "federation", Scope: "profile", Prompt: "login",
		ExternalIssuer: "https://idp.example", ExternalClientID: "app", ExternalClientSecret: "idp-secret",
		ExternalScope: "openid email", Token: "never-saved"}
	if err := a.SaveFlow("fed", in, false); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveFlow("fed kept", in, true); err != nil {
		t.Fatal(err)
	}
	all, err := a.SavedFlows()
	if err != nil || len(all) != 2 {
		t.Fatalf("%v %v", all, err)
	}
	for _, sf := range all {
		keep := sf.Name == "fed kept"
		if sf.ExternalIssuer != in.ExternalIssuer || sf.ExternalClientID != "app" || sf.ExternalScope != "openid email" ||
			sf.Prompt != "login" || (sf.ExternalClientSecret == "idp-secret") != keep || (sf.ClientSecret == "lk-secret") != keep {
			t.Fatalf("%+v", sf)
		}
	}
}
