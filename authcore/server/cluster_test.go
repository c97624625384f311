package server

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/authcore"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// newNode builds a server on st, as one node of several sharing it.
func newNode(t *testing.T, st authcore.Storage) *Server {
	t.Helper()
	s, err := New(context.Background(), Config{Issuer: "http://127.0.0.1:1", Store: st, Logger: zerolog.Nop(), KeyAlgorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.OIDC.Close)
	return s
}

// applyChanges acts on what another node changed in the store behind
// this node's back: a revocation goes out on the feed, a setting is
// reloaded, and a resync reloads everything and ends the feed's streams
// (their gateways reconnect for a fresh snapshot).
func TestApplyChanges(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	s := newNode(t, st)
	// "Another node" writes straight to the store.
	putPolicy := func(ttl string) {
		raw, _ := json.Marshal(policyDoc{Version: 1, Values: map[string]string{"access_token_ttl": ttl}})
		if err := st.PutSetting(ctx, PolicySetting, raw); err != nil {
			t.Fatal(err)
		}
	}

	ch, cancel := s.Feed.Subscribe()
	defer cancel()
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	s.applyChanges([]authcore.Change{{Kind: authcore.ChangeRevoked, Ref: "j1", ExpiresAt: exp}}, false)
	if rv := <-ch; rv.JTI != "j1" || !rv.ExpiresAt.Equal(exp) {
		t.Fatalf("published %+v", rv)
	}

	putPolicy("7m")
	s.applyChanges([]authcore.Change{{Kind: authcore.ChangeSetting, Ref: "issuer"}}, false)
	if got := s.Policy().Policy.AccessTokenTTL; got == 7*time.Minute {
		t.Fatal("another setting's change reloaded the policy")
	}
	s.applyChanges([]authcore.Change{{Kind: authcore.ChangeSetting, Ref: PolicySetting}}, false)
	if got := s.Policy().Policy.AccessTokenTTL; got != 7*time.Minute {
		t.Fatalf("policy after its change: access tokens %v, want 7m", got)
	}
	putPolicy("1s") // below the minimum: a node of another version wrote it
	s.applyChanges([]authcore.Change{{Kind: authcore.ChangeSetting, Ref: PolicySetting}}, false)
	if got := s.Policy().Policy.AccessTokenTTL; got != 7*time.Minute {
		t.Fatalf("an invalid saved policy replaced the one in force: %v", got)
	}

	putPolicy("9m")
	s.applyChanges(nil, true)
	if got := s.Policy().Policy.AccessTokenTTL; got != 9*time.Minute {
		t.Fatalf("policy after a resync: %v, want 9m", got)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("the feed sent something on a resync instead of ending the stream")
		}
	case <-time.After(time.Second):
		t.Fatal("a resync left the feed's stream open")
	}
	ch2, cancel2 := s.Feed.Subscribe() // and it still takes new subscribers
	defer cancel2()
	s.applyChanges([]authcore.Change{{Kind: authcore.ChangeRevoked, Ref: "j2"}}, false)
	if rv := <-ch2; rv.JTI != "j2" {
		t.Fatalf("after a resync, published %+v", rv)
	}
}

// Two nodes save settings one after the other, the second before it
// heard of the first: the second keeps the first's value, and does not
// report it as its own change.
func TestUpdatePolicyKeepsAnotherNodesChange(t *testing.T) {
	st, err := badger.Open(badger.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	a, b := newNode(t, st), newNode(t, st) // neither follows the other (no Run)
	if _, _, err := a.UpdatePolicy(ctx, map[string]string{"access_token_ttl": "7m"}, "alice"); err != nil {
		t.Fatal(err)
	}
	_, diff, err := b.UpdatePolicy(ctx, map[string]string{"refresh_token_ttl": "48h"}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) != 1 || diff[0].Key != "refresh_token_ttl" {
		t.Errorf("bob's change reported as %+v", diff)
	}
	doc, err := loadPolicyDoc(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Values["access_token_ttl"] != "7m" || doc.Values["refresh_token_ttl"] == "" {
		t.Fatalf("saved settings %v: one node's change was lost", doc.Values)
	}
	if got := b.Policy().Policy.AccessTokenTTL; got != 7*time.Minute {
		t.Errorf("b's access-token lifetime %v, want 7m", got)
	}
}
