package login

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters (RFC 9106 §3.1).
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams returns the parameters new hashes use: m=19 MiB, t=2,
// p=1, a 16-byte salt and a 32-byte key. This is the first of OWASP's
// argon2id configurations; it is lighter on memory than RFC 9106's
// 64 MiB profile, which matters when many logins arrive at once on a
// small server, and costs a comparable amount of time.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read back from a stored hash, so a corrupted or
// hostile record cannot make one verification take gigabytes or minutes.
const (
	maxMemory   = 256 * 1024 // KiB
	maxTime     = 16
	maxThreads  = 16
	minSaltLen  = 8
	maxSaltLen  = 64
	minKeyLen   = 16
	maxKeyLen   = 64
	maxHashText = 256
	// maxPasswordBytes bounds the input to the hash.
	maxPasswordBytes = 1024
)

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashPassword hashes password with argon2id and a fresh salt read from
// rand, and returns the PHC string
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<hash>".
func HashPassword(rand io.Reader, password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("login: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC argon2id string
// encoded, comparing in constant time. A string it cannot parse, or whose
// parameters are out of bounds, gives ErrMalformedHash (never a panic).
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parseHash splits a PHC argon2id string into its parameters, salt and
// key, enforcing the bounds above.
func parseHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(encoded) > maxHashText {
		return bad("too long")
	}
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return bad("not a PHC string")
	}
	if f[1] != "argon2id" {
		return bad("not argon2id")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return bad("want m, t and p")
	}
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || v != strconv.FormatUint(n, 10) {
			return bad("bad parameter " + name)
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return bad("p out of range")
			}
			p.Threads = uint8(n)
		}
	}
	// The base64 decoder skips CR and LF even in strict mode: a stored
	// hash with a line break inside would still verify.
	if strings.ContainsAny(f[4], "\r\n") || strings.ContainsAny(f[5], "\r\n") {
		return bad("line break in the salt or the hash")
	}
	salt, err1 := b64.Strict().DecodeString(f[4])
	key, err2 := b64.Strict().DecodeString(f[5])
	if err1 != nil || err2 != nil {
		return bad("bad base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad("parameters out of range")
	}
	return p, salt, key, nil
}

// check enforces the parameter bounds. Memory must be at least 8 KiB per
// thread (RFC 9106 §3.1).
func (p Params) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads,
		p.Time < 1 || p.Time > maxTime,
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory,
		p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen,
		p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("login: argon2id parameters out of range: %+v", p)
	}
	return nil
}

// needsRehash reports whether encoded was made with parameters other than
// p, so a successful login can upgrade it.
func needsRehash(encoded string, p Params) bool {
	got, _, _, err := parseHash(encoded)
	return err != nil || got != p
}
