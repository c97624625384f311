package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkey/latchkey/audit"
	"github.com/latchkey/latchkey/authcore/server"
)

// Settings is what the Settings screen and `latchkey settings show`
// show: the policy that changes live, and the facts of this instance that
// only a restart with other flags changes.
type Settings struct {
	Policy    []Setting `json:"policy"`
	UpdatedAt string    `json:"updated_at,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// Revision counts the saves of the policy; UpdateSettings given it
	// back refuses to save over a newer one (409, SettingsChangedMessage).
	Revision int64 `json:"revision"`
	// Changed lists what UpdateSettings changed (only in its answer).
	Changed  []SettingChange `json:"changed,omitempty"`
	Instance InstanceFacts   `json:"instance"`
}

// Setting is one live policy value.
type Setting struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Kind is "duration" ("15m", "12h", "30d"), "rate" ("100/s", "off")
	// or "count".
	Kind  string `json:"kind"`
	Value string `json:"value"`
	// Default is the value when none is saved; Source says where Value
	// comes from: "saved", "flag" (Flag's value) or "built-in".
	Default string `json:"default"`
	Source  string `json:"source"`
	Flag    string `json:"flag,omitempty"`
	Min     string `json:"min,omitempty"`
	Max     string `json:"max,omitempty"`
}

// SettingChange is one value an update changed.
type SettingChange struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// SettingsInput carries the values to change, by key, as Settings shows
// them. A value equal to its default un-pins it (the start flag governs
// it again).
type SettingsInput struct {
	Values map[string]string `json:"values"`
	// Revision, when set, is Settings.Revision as the values were
	// edited from: if the settings were saved since (on another node, or
	// by another administrator), nothing is saved and the answer is a
	// 409 conflict. Without it the values are applied to what is saved
	// now (the CLI).
	Revision *int64 `json:"revision,omitempty"`
}

// InstanceFacts are the settings a restart changes.
type InstanceFacts struct {
	Issuer            string   `json:"issuer"`
	Addresses         []string `json:"addresses"`
	DataDir           string   `json:"data_dir"`
	Mode              string   `json:"mode"`
	SigningAlgorithms []string `json:"signing_algorithms"`
	TLS               TLSFacts `json:"tls"`
}

// TLSFacts describe the listener's TLS and the --tls-auto local CA.
type TLSFacts struct {
	Enabled bool `json:"enabled"`
	// Mode is "off", "files" (--tls-cert/--tls-key) or "auto" (--tls-auto).
	Mode string `json:"mode"`
	// CAAvailable is set when the data directory holds a local CA, whose
	// certificate TLSCA returns.
	CAAvailable   bool   `json:"ca_available"`
	CAFile        string `json:"ca_file,omitempty"`
	CASubject     string `json:"ca_subject,omitempty"`
	CANotAfter    string `json:"ca_not_after,omitempty"`
	CAFingerprint string `json:"ca_fingerprint_sha256,omitempty"`
}

// Settings returns the live policy with its defaults and the instance's
// read-only facts.
func (a *App) Settings() (Settings, error) {
	return a.settings(a.srv.Policy(), nil), nil
}

func (a *App) settings(ps server.PolicyState, changed []server.PolicyChange) Settings {
	out := Settings{UpdatedAt: stamp(ps.UpdatedAt), UpdatedBy: ps.UpdatedBy, Revision: ps.Revision, Instance: a.instanceFacts()}
	for _, v := range ps.Values {
		src := "built-in"
		switch {
		case v.Saved:
			src = "saved"
		case v.FromFlag:
			src = "flag"
		}
		out.Policy = append(out.Policy, Setting{Key: v.Key, Label: v.Label, Kind: v.Kind, Value: v.Value,
			Default: v.Default, Source: src, Flag: v.Flag, Min: v.Min, Max: v.Max})
	}
	for _, c := range changed {
		out.Changed = append(out.Changed, SettingChange{Key: c.Key, Label: c.Label, From: c.From, To: c.To})
	}
	return out
}

func (a *App) instanceFacts() InstanceFacts {
	f := InstanceFacts{Issuer: a.info.Issuer, Addresses: nonNil(a.info.Addresses), DataDir: a.info.DataDir,
		Mode: a.info.Mode, SigningAlgorithms: nonNil(a.srv.Keys.Algorithms())}
	f.TLS = TLSFacts{Enabled: a.info.TLS, Mode: "off"}
	switch {
	case a.info.TLS && a.info.TLSAuto:
		f.TLS.Mode = "auto"
	case a.info.TLS:
		f.TLS.Mode = "files"
	}
	if a.info.DataDir != "" {
		if _, cert, err := server.ReadAutoTLSCA(a.tlsDir()); err == nil {
			sum := sha256.Sum256(cert.Raw)
			f.TLS.CAAvailable, f.TLS.CAFile = true, filepath.Join(a.tlsDir(), server.AutoTLSCAFile)
			f.TLS.CASubject, f.TLS.CANotAfter = cert.Subject.String(), stamp(cert.NotAfter)
			f.TLS.CAFingerprint = strings.ToUpper(hex.EncodeToString(sum[:]))
		} else if !errors.Is(err, os.ErrNotExist) {
			a.log.Warn().Err(err).Msg("settings: the local CA cannot be read")
		}
	}
	return f
}

// tlsDir is where --tls-auto keeps its CA (app/cli serveFlags.tlsConfig).
func (a *App) tlsDir() string { return filepath.Join(a.info.DataDir, "tls") }

// CheckSettings validates values without saving them: the problems by
// key, each a sentence for the field; empty when they would be accepted.
func (a *App) CheckSettings(in SettingsInput) (map[string]string, error) {
	if pe := a.srv.CheckPolicy(in.Values); pe != nil {
		return pe.Problems, nil
	}
	return map[string]string{}, nil
}

// UpdateSettings validates values, saves them and applies them at once,
// with no restart; it answers the new settings with what changed, and
// records an admin.action naming the actor and each change.
func (a *App) UpdateSettings(in SettingsInput) (Settings, error) {
	ctx := a.ctx("settings.update")
	if len(in.Values) == 0 {
		return Settings{}, invalid("nothing to change")
	}
	var ps server.PolicyState
	var changed []server.PolicyChange
	var err error
	if in.Revision != nil {
		ps, changed, err = a.srv.UpdatePolicyAt(ctx, *in.Revision, in.Values, a.actor())
	} else {
		ps, changed, err = a.srv.UpdatePolicy(ctx, in.Values, a.actor())
	}
	var pe *server.PolicyError
	if errors.As(err, &pe) {
		return Settings{}, invalid(pe.Message())
	}
	if errors.Is(err, server.ErrPolicyChanged) {
		return Settings{}, &Error{Status: http.StatusConflict, Message: SettingsChangedMessage}
	}
	if err != nil {
		return Settings{}, err
	}
	a.settingsChanged(ctx, changed)
	return a.settings(ps, changed), nil
}

// SettingsChangedMessage is the answer to a save of settings that were
// saved elsewhere since they were loaded (409); the console recognises
// it in the window, where no HTTP status exists.
const SettingsChangedMessage = "the settings were changed elsewhere (on another node, or by another administrator) since you loaded them; reload them and make your change again"

// settingsChanged records the update, one from/to per changed value.
func (a *App) settingsChanged(ctx context.Context, changed []server.PolicyChange) {
	diff := make(map[string]any, len(changed))
	keys := make([]string, 0, len(changed))
	for _, c := range changed {
		diff[c.Key] = map[string]string{"from": c.From, "to": c.To}
		keys = append(keys, c.Key)
	}
	a.srv.Audit.Record(ctx, audit.Event{
		Time: a.now(), Type: audit.AdminAction, Outcome: audit.Success, Actor: a.actor(),
		Details: map[string]any{"action": "settings.update", "target": strings.Join(keys, ","), "changes": diff},
	})
}

// TLSCA returns the --tls-auto local CA's certificate as PEM (the
// certificate only, never its key), for people to trust it.
func (a *App) TLSCA() (string, error) {
	if a.info.DataDir == "" {
		return "", &Error{Status: http.StatusNotFound, Message: "this instance has no data directory, so no local CA"}
	}
	pemCA, _, err := server.ReadAutoTLSCA(a.tlsDir())
	if errors.Is(err, os.ErrNotExist) {
		return "", &Error{Status: http.StatusNotFound, Message: "there is no local CA: start with --tls-auto to make one"}
	}
	if err != nil {
		return "", err
	}
	return string(pemCA), nil
}
