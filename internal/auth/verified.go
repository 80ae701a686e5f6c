package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCap bounds the verified-token cache (about 1 MiB).
const verifiedCap = 16384

// verifiedTokens remembers tokens that passed Verify, by their SHA-256,
// until they expire. An Ed25519 verification costs ~60 µs, more than the
// rest of a typical authenticated request; a client sends the same token for
// up to 15 minutes. A cached token is accepted exactly when a fresh
// verification would accept it: the bytes are identical, the keys a signer
// trusts never change during its life, and expiry (with the parser's
// leeway) is checked on every hit. It remembers only what the token says,
// never whether that still holds: the session, membership, role and staff
// flag are read from the database on every request, cached or not.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[[32]byte]verifiedToken
}

type verifiedToken struct {
	p   Principal
	exp time.Time
}

func (v *verifiedTokens) get(token string, now time.Time) (Principal, bool) {
	key := sha256.Sum256([]byte(token))
	v.mu.Lock()
	e, ok := v.m[key]
	v.mu.Unlock()
	if !ok || !now.Before(e.exp.Add(verifyLeeway)) {
		return Principal{}, false
	}
	return e.p, true
}

func (v *verifiedTokens) put(token string, p Principal, exp, now time.Time) {
	key := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[[32]byte]verifiedToken)
	}
	if len(v.m) >= verifiedCap {
		for k, e := range v.m {
			if !now.Before(e.exp.Add(verifyLeeway)) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= verifiedCap {
			clear(v.m)
		}
	}
	v.m[key] = verifiedToken{p: p, exp: exp}
}
