package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/onramp/onramp/internal/apperr"
)

// Password length bounds, in characters.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane). They are stored in every hash (PHC string), so raising them later
// only affects new hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// passwordProblem says what is wrong with a password, or "" when it is fine.
func passwordProblem(pw string) string {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || n > MaxPasswordLen {
		return fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	return ""
}

// PasswordError is nil for an acceptable password, else the invalid-input
// error the services answer for it, on field (for a form that checks a
// password before calling them, with its confirmation).
func PasswordError(field, pw string) error {
	var v apperr.Validator
	checkPassword(&v, field, pw)
	return v.Err()
}

// hasher hashes and checks passwords. Each hash takes argonMemory of RAM, so
// the number running at once is bounded: a burst of signups or logins
// queues instead of exhausting memory.
type hasher struct {
	slots chan struct{}
	// dummy is checked against when the user does not exist, so an unknown
	// email costs as much time as a wrong password.
	dummy string
}

func newHasher() *hasher {
	h := &hasher{slots: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	h.dummy = h.encode(make([]byte, argonSaltLen), "not a password")
	return h
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// Hash returns the PHC string of a new argon2id hash of pw.
func (h *hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, pw), nil
}

func (h *hasher) encode(salt []byte, pw string) string {
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Check reports whether pw matches the PHC string encoded. An empty encoded
// (no such user) is checked against a dummy hash, for equal timing, and
// never matches.
func (h *hasher) Check(ctx context.Context, encoded, pw string) (bool, error) {
	target, unknown := encoded, encoded == ""
	if unknown {
		target = h.dummy
	}
	p, err := parsePHC(target)
	if err != nil {
		if errors.Is(err, errNotArgon2id) {
			return false, nil // e.g. a fixture user without a password
		}
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1 && !unknown, nil
}

var errNotArgon2id = errors.New("not an argon2id hash")

type phc struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC reads $argon2id$v=19$m=..,t=..,p=..$salt$key.
func parsePHC(s string) (phc, error) {
	var p phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, errNotArgon2id
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("argon2id hash: unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, fmt.Errorf("argon2id hash: bad parameters: %w", err)
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, fmt.Errorf("argon2id hash: bad salt: %w", err)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) == 0 {
		return p, fmt.Errorf("argon2id hash: bad key")
	}
	return p, nil
}
