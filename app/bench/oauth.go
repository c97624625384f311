package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Credentials are a confidential client's id and secret, sent with
// client_secret_basic (RFC 6749 §2.3.1).
type Credentials struct {
	ID, Secret string
}

func (c Credentials) basic() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret)))
}

// TokenResponse is the part of a token endpoint answer lkbench reads.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// PostForm posts form to endpoint as the client and returns the status
// and body.
func PostForm(ctx context.Context, hc *http.Client, endpoint string, cred Credentials, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", cred.basic())
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// Token posts a token request and decodes a 200 answer.
func Token(ctx context.Context, hc *http.Client, base string, cred Credentials, form url.Values) (TokenResponse, error) {
	var tr TokenResponse
	status, body, err := PostForm(ctx, hc, base+"/token", cred, form)
	if err != nil {
		return tr, err
	}
	if status != http.StatusOK {
		return tr, fmt.Errorf("token: %d %s", status, truncate(body))
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return tr, fmt.Errorf("token: %w", err)
	}
	return tr, nil
}

// ClientCredentials is the op of the client_credentials grant.
func ClientCredentials(base string, cred Credentials, scope string) Op {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	return func(ctx context.Context, w *Worker) error {
		_, err := Token(ctx, w.Client, base, cred, form)
		return err
	}
}

// Introspect is the op of RFC 7662 introspection of one of tokens, each
// of which must be active.
func Introspect(base string, cred Credentials, tokens []string) Op {
	return introspectAt(base+"/introspect", cred, tokens)
}

// introspectAt is Introspect at an introspection endpoint's full URL.
func introspectAt(endpoint string, cred Credentials, tokens []string) Op {
	return func(ctx context.Context, w *Worker) error {
		t := tokens[w.Rand.IntN(len(tokens))]
		status, body, err := PostForm(ctx, w.Client, endpoint, cred, url.Values{"token": {t}})
		if err != nil {
			return err
		}
		if status != http.StatusOK || !strings.Contains(string(body), `"active":true`) {
			return fmt.Errorf("introspect: %d %s", status, truncate(body))
		}
		return nil
	}
}

// Revoke is the op of RFC 7009 revocation of access tokens taken from
// pool, one each.
func Revoke(base string, cred Credentials, pool *Pool[string]) Op {
	return func(ctx context.Context, w *Worker) error {
		t, ok := pool.Take()
		if !ok {
			return ErrExhausted
		}
		status, body, err := PostForm(ctx, w.Client, base+"/revoke", cred, url.Values{"token": {t}, "token_type_hint": {"access_token"}})
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("revoke: %d %s", status, truncate(body))
		}
		return nil
	}
}

// MintAccessTokens issues n client_credentials access tokens over conc
// connections.
func MintAccessTokens(ctx context.Context, base string, cred Credentials, scope string, n, conc int) ([]string, error) {
	hc := NewHTTPClient(conc)
	defer hc.CloseIdleConnections()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	return parallel(ctx, n, conc, func(ctx context.Context) (string, error) {
		tr, err := Token(ctx, hc, base, cred, form)
		return tr.AccessToken, err
	})
}

// parallel calls fn n times over conc goroutines and collects the
// results; the first error stops it.
func parallel[T any](ctx context.Context, n, conc int, fn func(context.Context) (T, error)) ([]T, error) {
	out := make([]T, n)
	errs := make(chan error, conc)
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				v, err := fn(ctx)
				if err != nil {
					errs <- err
					return
				}
				out[i] = v
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return out, ctx.Err()
}

func truncate(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
