package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
)

// PendingCode is an authorization code not yet redeemed, with its verifier.
type PendingCode struct {
	Code, Verifier string
}

// MintCodes gets n codes through the signed-in browser over conc
// connections and adds them to pool.
func (b *Browser) MintCodes(ctx context.Context, pool *Pool[PendingCode], n, conc int) error {
	hc := NewHTTPClient(conc)
	defer hc.CloseIdleConnections()
	codes, err := parallel(ctx, n, conc, func(ctx context.Context) (PendingCode, error) {
		v, c := NewPKCE()
		code, err := b.Code(ctx, hc, c)
		return PendingCode{Code: code, Verifier: v}, err
	})
	pool.Put(codes...)
	return err
}

// MintFamilies redeems n fresh codes and adds their refresh tokens (each
// the head of a new family) to pool.
func (b *Browser) MintFamilies(ctx context.Context, pool *Pool[string], n, conc int) error {
	hc := NewHTTPClient(conc)
	defer hc.CloseIdleConnections()
	rts, err := parallel(ctx, n, conc, func(ctx context.Context) (string, error) {
		v, c := NewPKCE()
		code, err := b.Code(ctx, hc, c)
		if err != nil {
			return "", err
		}
		tr, err := b.Exchange(ctx, hc, code, v)
		if err == nil && tr.RefreshToken == "" {
			err = errors.New("bench: code exchange gave no refresh token")
		}
		return tr.RefreshToken, err
	})
	pool.Put(rts...)
	return err
}

// ExchangeOp redeems one code from codes (RFC 6749 §4.1.3 with PKCE).
func (b *Browser) ExchangeOp(codes *Pool[PendingCode]) Op {
	return func(ctx context.Context, w *Worker) error {
		pc, ok := codes.Take()
		if !ok {
			return ErrExhausted
		}
		_, err := b.Exchange(ctx, w.Client, pc.Code, pc.Verifier)
		return err
	}
}

// FlowOp is one whole authorization code + PKCE flow with the session
// signed in and the consent remembered: a verifier, /authorize, /token.
func (b *Browser) FlowOp() Op {
	return func(ctx context.Context, w *Worker) error {
		v, c := NewPKCE()
		code, err := b.Code(ctx, w.Client, c)
		if err != nil {
			return err
		}
		_, err = b.Exchange(ctx, w.Client, code, v)
		return err
	}
}

// chain is a worker's current refresh-token family.
type chain struct {
	token string
	left  int
}

// ChainLength is how many rotations a worker makes in one family before
// it takes a fresh one: real clients rotate a family a handful of times
// per access-token lifetime, not thousands of times a second.
const ChainLength = 20

// RefreshOp rotates the worker's refresh token (RFC 6749 §6, OAuth 2.1
// §4.3.1), taking a new family from families every ChainLength rotations.
// Set each worker's State with NewChain.
func (b *Browser) RefreshOp(families *Pool[string]) Op {
	return func(ctx context.Context, w *Worker) error {
		ch := w.State.(*chain)
		if ch.left == 0 || ch.token == "" {
			t, ok := families.Take()
			if !ok {
				return ErrExhausted
			}
			ch.token, ch.left = t, ChainLength
		}
		tr, err := Token(ctx, w.Client, b.Base, b.Client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ch.token}})
		if err != nil {
			ch.token = ""
			return err
		}
		ch.token = tr.RefreshToken
		ch.left--
		return nil
	}
}

// NewChain is a worker State for RefreshOp.
func NewChain(int) any { return &chain{} }

func randRead(b []byte) { _, _ = rand.Read(b) }
