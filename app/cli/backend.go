package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/authcore/diskguard"
	"github.com/latchkey/latchkey/authcore/server"
	"github.com/latchkey/latchkey/authcore/store/badger"
)

// caller runs one console operation: in-process on the store, or over a
// running server's loopback admin path. Both reach the same App methods.
type caller interface {
	call(method string, out any, args ...any) error
	close()
}

// connect opens the data directory; if a running server holds it, it
// talks to that server instead.
func connect(c *common) (caller, error) {
	log, err := c.logger()
	if err != nil {
		return nil, err
	}
	dataDir, err := c.ensureDataDir()
	if err != nil {
		return nil, err
	}
	log = log.Level(max(log.GetLevel(), zerolog.WarnLevel)) // the CLI prints results, not chatter
	st, err := openState(c, dataDir, false, log, stateOptions{})
	var refused *diskguard.Error
	if errors.Is(err, badger.ErrLocked) || errors.Is(err, errInUse) {
		return remoteCaller(dataDir)
	} else if errors.As(err, &refused) {
		// The guard looks before Badger's lock does: a server that
		// holds the directory can still answer reads and say why it
		// refuses writes.
		if rc, rerr := remoteCaller(dataDir); rerr == nil {
			return rc, nil
		}
	}
	if err != nil {
		return nil, err
	}
	issuer := "http://127.0.0.1:8421"
	if v, err := st.store.GetSetting(context.Background(), server.IssuerSetting); err == nil && len(v) > 0 {
		issuer = string(v)
	}
	srv, err := server.New(context.Background(), server.Config{Issuer: issuer, Store: st.store, Audit: st.audit, Logger: log})
	if err != nil {
		st.close()
		return nil, err
	}
	a := app.New(app.Config{Server: srv, Logger: log, Audit: st.audit,
		Info: app.Info{Issuer: issuer, DataDir: dataDir, Store: c.describeStore(dataDir), Mode: "cli", StartedAt: time.Now()}})
	return &localCaller{d: app.NewDispatcher(a), close_: func() { st.close() }}, nil
}

type localCaller struct {
	d      *app.Dispatcher
	close_ func()
}

func (l *localCaller) call(method string, out any, args ...any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return err
	}
	res, err := l.d.Call(method, raw)
	if err != nil {
		return describe(err)
	}
	return roundTrip(res, out)
}

func (l *localCaller) close() { l.close_() }

// describe turns an App error into the sentence the console would show.
func describe(err error) error {
	var e *app.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}

// roundTrip copies res into out through JSON, exactly as the browser
// console would see it.
func roundTrip(res, out any) error {
	if out == nil {
		return nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

type remote struct {
	url, token string
	client     *http.Client
}

// readAdminFile reads the admin.json of the server holding dataDir.
func readAdminFile(dataDir string) (adminFile, error) {
	var af adminFile
	b, err := os.ReadFile(filepath.Join(dataDir, adminFileName))
	if err != nil {
		return af, fmt.Errorf("the data directory %s is held by another process, and it is not a Latchkey server that can be reached (%v)", dataDir, err)
	}
	if err := json.Unmarshal(b, &af); err != nil || af.URL == "" || af.Token == "" {
		return af, fmt.Errorf("%s is malformed", filepath.Join(dataDir, adminFileName))
	}
	return af, nil
}

func remoteCaller(dataDir string) (caller, error) {
	af, err := readAdminFile(dataDir)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	// A server started with --tls-auto serves a certificate from the data
	// directory's local CA: trust that CA (and the system's) for this call.
	if pemCA, _, err := server.ReadAutoTLSCA(filepath.Join(dataDir, "tls")); err == nil {
		pool, perr := x509.SystemCertPool()
		if perr != nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(pemCA)
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return &remote{url: af.URL, token: af.Token, client: client}, nil
}

func (r *remote) call(method string, out any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, r.url+"/console/api/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("the running server at %s did not answer: %w", r.url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		return fmt.Errorf("unexpected answer from %s (HTTP %d)", r.url, resp.StatusCode)
	}
	if reply.Error != "" || resp.StatusCode >= 300 {
		return errors.New(reply.Error)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(reply.Result, out)
}

func (r *remote) close() {}
