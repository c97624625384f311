package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Fixture is what the admin CLI prepared in a data directory.
type Fixture struct {
	CC          Credentials // confidential, client_credentials, orders:read profile
	Web         Credentials // confidential, authorization_code + refresh_token
	RedirectURI string
	User        string
	Password    string
}

// Scopes the web client asks for: a refresh token and an ID token too.
const webScope = "openid profile offline_access orders:read"

// Prepare creates the clients, the user and the gateway route to upstream
// with the admin CLI, before any server holds dataDir (the CLI then opens
// the store itself). store, when not "", is the PostgreSQL database the
// CLI migrates and writes to (LATCHKEY_STORE) instead of Badger in dataDir.
func Prepare(ctx context.Context, bin, dataDir, upstream, store string) (Fixture, error) {
	fx := Fixture{RedirectURI: "http://127.0.0.1:9/callback", User: "bench", Password: "lkbench correct horse battery staple"}
	var err error
	var env []string
	if store != "" {
		env = []string{"LATCHKEY_STORE=" + store}
		if _, err := cliEnv(ctx, env, bin, "", "migrate", "up", "--data", dataDir); err != nil {
			return fx, err
		}
	}
	if fx.CC, err = createClient(ctx, env, bin, dataDir, "--name", "lkbench service", "--grant-type", "client_credentials",
		"--scope", "orders:read profile"); err != nil {
		return fx, err
	}
	if fx.Web, err = createClient(ctx, env, bin, dataDir, "--name", "lkbench web", "--grant-type", "authorization_code",
		"--grant-type", "refresh_token", "--redirect-uri", fx.RedirectURI, "--scope", webScope); err != nil {
		return fx, err
	}
	if _, err := cliEnv(ctx, env, bin, fx.Password+"\n", "user", "create", "--data", dataDir, "--username", fx.User, "--password-stdin"); err != nil {
		return fx, err
	}
	_, err = cliEnv(ctx, env, bin, "", "route", "add", "--data", dataDir, "--prefix", "/bench/", "--upstream", upstream, "--scope", "orders:read")
	return fx, err
}

func createClient(ctx context.Context, env []string, bin, dataDir string, args ...string) (Credentials, error) {
	out, err := cliEnv(ctx, env, bin, "", append([]string{"client", "create", "--data", dataDir, "--json"}, args...)...)
	if err != nil {
		return Credentials{}, err
	}
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" || c.Secret == "" {
		return Credentials{}, fmt.Errorf("bench: client create printed %q", out)
	}
	return Credentials{ID: c.ID, Secret: c.Secret}, nil
}

// cli runs the latchkey binary with args and stdin, and returns stdout.
func cli(ctx context.Context, bin, stdin string, args ...string) ([]byte, error) {
	return cliEnv(ctx, nil, bin, stdin, args...)
}

// cliEnv is cli with env added to lkbench's environment (LATCHKEY_STORE
// when the fixture goes into a PostgreSQL database).
func cliEnv(ctx context.Context, env []string, bin, stdin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bench: latchkey %s: %v: %s", strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
