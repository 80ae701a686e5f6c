package auth

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// The verified-token cache holds up to verifiedShards × verifiedPerShard
// tokens (131 072, at most about 27 MiB): more than the members active in
// any 15-minute window of a large deployment. When there are more, it
// degrades gently (the least recently useful tokens are verified again)
// instead of forgetting everything at once.
const (
	verifiedShards   = 64
	verifiedPerShard = 2048
)

// verifiedTokens remembers tokens that passed Verify, by their SHA-256,
// until they expire. An Ed25519 verification costs ~60 µs, more than the
// rest of a typical authenticated request; a client sends the same token for
// up to 15 minutes. A cached token is accepted exactly when a fresh
// verification would accept it: the bytes are identical, the keys a signer
// trusts never change during its life, and expiry (with the parser's
// leeway) is checked on every hit. It remembers only what the token says,
// never whether that still holds: the session, membership, role and staff
// flag are read from the database on every request, cached or not.
//
// It is split in shards by key, each a fixed ring of entries evicted by
// the CLOCK rule (an approximation of least recently used: a hit marks an
// entry; the hand passing a marked entry unmarks it, and takes the first
// unmarked or expired one), so memory is bounded, no insert costs more
// than one pass over its shard, and concurrent requests rarely share a
// lock.
type verifiedTokens struct {
	shards [verifiedShards]verifiedShard
}

type verifiedShard struct {
	mu    sync.Mutex
	index map[[32]byte]int // key → slot in ring
	ring  []verifiedToken
	hand  int
}

type verifiedToken struct {
	key        [32]byte
	p          Principal
	exp        time.Time
	referenced bool
}

func (v *verifiedTokens) shard(key [32]byte) *verifiedShard {
	return &v.shards[binary.LittleEndian.Uint64(key[:8])%verifiedShards]
}

func (v *verifiedTokens) get(token string, now time.Time) (Principal, bool) {
	key := sha256.Sum256([]byte(token))
	s := v.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[key]
	if !ok {
		return Principal{}, false
	}
	e := &s.ring[i]
	if !now.Before(e.exp.Add(verifyLeeway)) {
		return Principal{}, false
	}
	e.referenced = true
	return e.p, true
}

func (v *verifiedTokens) put(token string, p Principal, exp, now time.Time) {
	key := sha256.Sum256([]byte(token))
	s := v.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil {
		s.index = make(map[[32]byte]int, verifiedPerShard)
		s.ring = make([]verifiedToken, 0, verifiedPerShard)
	}
	entry := verifiedToken{key: key, p: p, exp: exp}
	if i, ok := s.index[key]; ok {
		s.ring[i] = entry
		return
	}
	if len(s.ring) < verifiedPerShard {
		s.index[key] = len(s.ring)
		s.ring = append(s.ring, entry)
		return
	}
	i := s.victim(now)
	delete(s.index, s.ring[i].key)
	s.ring[i] = entry
	s.index[key] = i
}

// victim is the slot the next entry takes: the first expired or unmarked
// one from the hand on, unmarking the ones it passes (at most one full
// turn, after which the slot under the hand is unmarked).
func (s *verifiedShard) victim(now time.Time) int {
	for {
		i := s.hand
		s.hand = (s.hand + 1) % len(s.ring)
		e := &s.ring[i]
		if !e.referenced || !now.Before(e.exp.Add(verifyLeeway)) {
			return i
		}
		e.referenced = false
	}
}
